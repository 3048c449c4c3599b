from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.validators import normalize_phone


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for a service"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("e.g. KTP, akta kelahiran, SKCK, PBG"),
                "autocomplete": "off",
            }
        ),
    )


CHANNEL_CHOICES = [
    ("whatsapp", "WhatsApp"),
    ("email", _("Email")),
    ("sms", "SMS"),
]


class NotificationPreferencesForm(forms.Form):
    """Which channels reach me, which first, in which language; the inbox here always does."""

    channels = forms.MultipleChoiceField(
        label=_("Tell me by"),
        choices=CHANNEL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every message also appears in your inbox on this site."),
    )
    first = forms.ChoiceField(label=_("Try first"), choices=CHANNEL_CHOICES, required=False)
    language = forms.ChoiceField(label=_("Language of messages"), choices=settings.LANGUAGES)
    email = forms.EmailField(label=_("Email address"), required=False)
    phone = forms.CharField(
        label=_("WhatsApp / mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "0812 3456 7890"}),
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(phone) if phone else ""

    def clean(self) -> dict:
        data = super().clean()
        channels = data.get("channels", [])
        first = data.get("first")
        if first and first not in channels:
            self.add_error("first", _("Tick the channel you want tried first."))
        needs_phone = "whatsapp" in channels or "sms" in channels
        if needs_phone and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("WhatsApp and SMS need your mobile number."))
        if "email" in channels and not data.get("email"):
            self.add_error("email", _("Email needs your email address."))
        return data

    def ordered_channels(self) -> list[str]:
        """The ticked channels, the first choice first, the rest in the usual order."""
        first = self.cleaned_data["first"]
        ticked = self.cleaned_data["channels"]
        rest = [value for value, _label in CHANNEL_CHOICES if value in ticked and value != first]
        return ([first] if first else []) + rest
