"""Sign-in forms of the portal and the admin, both behind the lock-out; the forms of a
forgotten, claimed or changed password and of the registration code."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from satupintu.accounts.lockout import LoginLocked, login_check, login_failed, login_succeeded
from satupintu.accounts.twofactor import needs_second_factor

if TYPE_CHECKING:
    _SignInForm = AuthenticationForm  # what the mixin is mixed into
else:
    _SignInForm = object


class LockoutMixin(_SignInForm):
    """Asks the lock-out before the password is checked, and tells it how the check went."""

    where = "portal"
    locked_out = False
    request: HttpRequest  # both sign-in views pass theirs

    def clean(self) -> dict[str, Any]:
        login = self.cleaned_data.get("username")
        if login is None or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            login_check(request=self.request, login=login)
        except LoginLocked as locked:
            self.locked_out = True
            raise ValidationError(locked.message, code="locked_out") from locked
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is None:  # the password was wrong (not an inactive account)
                login_failed(request=self.request, login=login, where=self.where)
            raise
        assert self.user_cache is not None  # the password was right
        if not (settings.TWO_FACTOR_REQUIRED and needs_second_factor(user=self.user_cache)):
            # With a second factor to come, only both factors right start the count afresh
            # (the code's page does it): the password alone would reset it between guesses.
            login_succeeded(login=login)
        return cleaned


class LoginForm(LockoutMixin, AuthenticationForm):
    where = "portal"


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    where = "admin"


class ForgotPasswordForm(forms.Form):
    """Forgot password (lupa kata sandi): the NIK, email or phone number of the account."""

    login = forms.CharField(
        label=gettext_lazy("NIK, email or WhatsApp number"),
        max_length=254,
        help_text=gettext_lazy(
            "We send a link by email, or a code by WhatsApp or SMS, to the account's own addresses."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class NewPasswordForm(forms.Form):
    """A new password, twice; the project's validators check it (in the service)."""

    password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        max_length=128,
        help_text=gettext_lazy("At least 8 characters, not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        return _typed_twice(self, "password1", "password2")


def _typed_twice(form: forms.Form, first: str, second: str) -> dict[str, Any]:
    """The form's data, with an error on ``second`` when the two passwords typed differ."""
    data = form.cleaned_data
    if data.get(first) and data.get(second) and data[first] != data[second]:
        form.add_error(second, gettext_lazy("The two passwords differ."))
    return data


class CodePasswordForm(NewPasswordForm):
    """The code sent by WhatsApp or SMS, and the new password."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6 digits we sent you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["code", "password1", "password2"]


class ClaimForm(CodePasswordForm):
    """The claim slip handed over at the counter: the NIK it was made for, its code, and the
    new password."""

    nik = forms.CharField(
        label="NIK",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "numeric"}),
    )
    field_order = ["nik", "code", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext_lazy("The 6 digits printed on your claim slip.")


class RegistrationCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6 digits we sent to your WhatsApp, SMS or email."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = NewPasswordForm.base_fields["password1"]
    new_password2 = NewPasswordForm.base_fields["password2"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        return _typed_twice(self, "new_password1", "new_password2")
