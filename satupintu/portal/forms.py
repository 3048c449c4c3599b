from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.names import NAME_MAX
from satupintu.accounts.validators import normalize_nik, normalize_phone, validate_nik
from satupintu.booking.models import Booking
from satupintu.complaints.models import Report
from satupintu.complaints.validators import validate_evidence_files
from satupintu.malls.models import Agency, Mall


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
    mall = forms.ModelChoiceField(
        label=_("Mall"),
        queryset=Mall.objects.filter(is_active=True).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All malls"),
    )

    def __init__(self, *args: Any, within_mall: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if within_mall:
            # A mall's own page searches that mall only.
            del self.fields["mall"]


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
        super().clean()
        data = self.cleaned_data
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


class ProfileForm(NotificationPreferencesForm):
    """/akun/: the name, then how we reach you (the preferences)."""

    full_name = forms.CharField(label=_("Full name (as on the KTP-el)"), max_length=NAME_MAX)
    field_order = ["full_name", "email", "phone", "language", "channels", "first"]


class NikField(forms.CharField):
    """A NIK as typed (full-width digits, spaces, dots, dashes), normalised before any check."""

    def to_python(self, value: object) -> str:
        return normalize_nik(super().to_python(value) or "")


class RegistrationForm(forms.Form):
    """A citizen's account: the NIK is their login; WhatsApp or email to be told."""

    full_name = forms.CharField(label=_("Full name (as on the KTP-el)"), max_length=NAME_MAX)
    nik = NikField(
        label=_("NIK"),
        max_length=16,
        min_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        validators=[validate_nik],
        help_text=_("16 digits, as printed on your KTP-el or Kartu Keluarga."),
    )
    birth_date = forms.DateField(
        label=_("Birth date (as on the KTP-el)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        help_text=_(
            "Checked with the civil registry (Dukcapil) where this mall is connected to it."
        ),
    )
    phone = forms.CharField(
        label=_("WhatsApp / mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "0812 3456 7890"}),
    )
    email = forms.EmailField(label=_("Email address"), required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class BookingForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    priority = forms.ChoiceField(
        label=_("Priority service"),
        choices=[("", _("No"))] + list(Booking.Priority.choices),
        required=False,
        help_text=_("Priority places are kept for those who need them; staff check at arrival."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)


class CheckInForm(forms.Form):
    """A booking's code, scanned at the kiosk (the queue reads and refuses it as typed)."""

    code = forms.CharField(required=False, strip=False)


class ConsultationAskForm(forms.Form):
    subject = forms.CharField(error_messages={"required": _("Write a subject.")})
    text = forms.CharField(required=False, strip=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    """A report to the mall: what happened, where, who is concerned, and who files it."""

    mall = forms.ModelChoiceField(
        label=_("Public Service Mall"), queryset=Mall.objects.none(), empty_label=_("Choose a mall")
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Report.Kind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Report.Category.choices)
    title = forms.CharField(label=_("Title"), max_length=150)
    text = forms.CharField(
        label=_("What happened"), min_length=20, max_length=4000, widget=forms.Textarea
    )
    event_date = forms.DateField(
        label=_("Date of the event"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency concerned"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("I don't know"),
    )
    attachments = MultipleFileField(label=_("Evidence (PDF, DOCX, JPEG, PNG)"), required=False)
    anonymous = forms.BooleanField(label=_("Anonymous: keep no trace of who I am"), required=False)
    confidential = forms.BooleanField(
        label=_("Confidential: only the mall's complaint coordinators may see who I am"),
        required=False,
    )
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address"), required=False)
    phone = forms.CharField(label=_("WhatsApp / mobile number"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mall = cast(forms.ModelChoiceField, self.fields["mall"])
        agency = cast(forms.ModelChoiceField, self.fields["agency"])
        mall.queryset = Mall.objects.filter(is_active=True).order_by("name")
        agency.queryset = (
            Agency.objects.filter(is_active=True, mall__is_active=True)
            .select_related("mall")
            .order_by("mall__name", "name")
        )
        # Django's documented way to relabel the choices; the stubs see a method.
        agency.label_from_instance = lambda obj: f"{obj.mall.name} · {obj.name}"  # type: ignore[method-assign]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(phone) if phone else ""

    def clean_attachments(self) -> list:
        files = self.cleaned_data["attachments"]
        validate_evidence_files(files)
        return files

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        mall, agency = data.get("mall"), data.get("agency")
        if mall and agency and agency.mall_id != mall.pk:
            self.add_error("agency", _("That agency is not in this mall."))
        return data
