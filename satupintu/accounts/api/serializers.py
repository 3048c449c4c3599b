"""Serializers of API v1 for citizens' accounts and their tokens."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from satupintu.accounts.models import ApiToken
from satupintu.accounts.names import NAME_MAX
from satupintu.accounts.services import TOKEN_NAME_MAX
from satupintu.accounts.validators import normalize_phone, validate_nik
from satupintu.api.fields import NikField


class RegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    nik = NikField(min_length=16, max_length=16, validators=[validate_nik])
    phone = serializers.CharField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "As on the KTP-el (YYYY-MM-DD). Required where the deployment checks identities with "
            "Dukcapil: the NIK, name and birth date are then compared with the civil registry, "
            "and a mismatch is refused (`identity_not_matched`)."
        ),
    )

    def validate_phone(self, value: str) -> str:
        return normalize_phone(value)

    def validate_password(self, value: str) -> str:
        password_validation.validate_password(value)
        return value


class RegistrationStartedSerializer(serializers.Serializer):
    registration = serializers.CharField(
        help_text=_("Send it back with the code to auth/register/confirm/.")
    )
    expires = serializers.DateTimeField(help_text=_("The code works until then."))
    detail = serializers.CharField()


class RegisterConfirmSerializer(serializers.Serializer):
    registration = serializers.CharField(max_length=64)
    code = serializers.CharField(
        max_length=16, help_text=_("The 6 digits sent by WhatsApp, SMS or email.")
    )


class TokenRequestSerializer(serializers.Serializer):
    login = serializers.CharField(help_text=_("NIK or email."))
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(
        max_length=TOKEN_NAME_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A name to tell this token apart, e.g. the device."),
    )
    otp = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Only for an account with an authenticator app set up: the code it shows now, or "
            "one of the account's recovery codes (each works once)."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Shown only now: keep it, it cannot be read again."))
    expires = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text=_("Whether this request was made with this token.")
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "last_used", "expires", "current"]

    def get_current(self, token: ApiToken) -> bool:
        return token.pk == self.context.get("current")
