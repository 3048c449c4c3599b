"""Malls (MPP), the agencies present in them, their counters, staff roles and announcements."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats, translation
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Mall(models.Model):
    """A Mal Pelayanan Publik of a city (kota), regency (kabupaten) or province."""

    class Kind(models.TextChoices):
        CITY = "kota", _("City")
        REGENCY = "kabupaten", _("Regency")
        PROVINCE = "provinsi", _("Province")

    class TimeZone(models.TextChoices):
        WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
        WITA = "Asia/Makassar", _("WITA (Asia/Makassar)")
        WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura)")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    region_code = models.CharField(
        _("region code"),
        max_length=13,
        help_text=_("Kemendagri region code, e.g. 32.71 for Kota Bogor."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=20, choices=TimeZone.choices, default=TimeZone.WIB
    )
    address = models.TextField(_("address"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    social_media = models.JSONField(
        _("social media"),
        default=dict,
        blank=True,
        help_text=_('Accounts by network, e.g. {"instagram": "mppkotabogor"}.'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mall")
        verbose_name_plural = _("malls")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["kota", "kabupaten", "provinsi"]), name="mall_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(time_zone__in=["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
                name="mall_time_zone_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """The regular hours of a mall on one day of the week; a day without a row is closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["mall", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["mall", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="opening_hours_order"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


# The names a document number format may use; anything else is refused when it is saved.
NUMBER_FORMAT_NAMES = ("seq", "agency", "month", "roman_month", "year")
DEFAULT_NUMBER_FORMAT = "503/{seq:04d}/{agency}/{roman_month}/{year}"
NUMBER_WIDTH_MAX = 8


def validate_number_format(value: str) -> None:
    """A document number format: plain text with {seq} (the agency's count of the year, e.g.
    {seq:04d}) and {year}, optionally {agency}, {month} and {roman_month}; nothing else is
    evaluated (no attributes, no indexes, no conversions)."""
    import string

    if not value:
        return
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as broken:
        raise ValidationError(_("The format has an unbalanced brace.")) from broken
    names = set()
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in NUMBER_FORMAT_NAMES or conversion or "{" in (spec or ""):
            raise ValidationError(
                _("Only %(names)s may be used between braces.")
                % {"names": ", ".join(f"{{{n}}}" for n in NUMBER_FORMAT_NAMES)}
            )
        width = (spec or "").removeprefix("0").removesuffix("d")
        if spec and not (
            name in ("seq", "month", "year") and width.isdigit() and int(width) <= NUMBER_WIDTH_MAX
        ):
            raise ValidationError(_("Only a width such as {seq:04d} may follow a name."))
        names.add(name)
    if not {"seq", "year"} <= names:
        raise ValidationError(_("The format needs {seq} and {year}: a number is unique per year."))


class Agency(models.Model):
    """An agency serving in a mall: a local office (OPD) or a vertical one (police, BPJS...)."""

    class Kind(models.TextChoices):
        LOCAL = "local", _("Local government")
        VERTICAL = "vertical", _("Vertical / national")

    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="agencies")
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    document_number_format = models.CharField(
        _("document number format"),
        max_length=120,
        blank=True,
        validators=[validate_number_format],
        help_text=_(
            "How its permits are numbered, e.g. 503/{seq:04d}/{agency}/{roman_month}/{year} "
            "(gives 503/0001/DPMPTSP/XII/2026): {seq} counts the agency's documents of the "
            "year, {agency} is the short name, {month} and {roman_month} the month of issue. "
            "Empty: that example."
        ),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["mall", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mall", "slug"], name="agency_slug_unique_in_mall"),
            models.CheckConstraint(
                condition=Q(kind__in=["local", "vertical"]), name="agency_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Counter(models.Model):
    """A service counter (loket) of an agency in the mall's hall."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="counters")
    label = models.CharField(_("label"), max_length=20, help_text=_("As shown above it, e.g. A3."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["agency", "label"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "label"], name="counter_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.label}"


AGENCY_ROLES = ("front_office", "verifier", "technical_team", "approver")


class StaffMembership(models.Model):
    """A person's role in a mall's management, in one agency, or at the ministry."""

    class Role(models.TextChoices):
        FRONT_OFFICE = "front_office", _("Front office")
        VERIFIER = "verifier", _("Verifier")
        TECHNICAL_TEAM = "technical_team", _("Technical team")
        APPROVER = "approver", _("Approver")
        MALL_MANAGER = "mall_manager", _("Mall manager")
        MINISTRY_MONITOR = "ministry_monitor", _("Ministry monitor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    position = models.CharField(
        _("position"),
        max_length=200,
        blank=True,
        help_text=_("As printed under a signature, e.g. Kepala Dinas (jabatan)."),
    )
    nip = models.CharField(
        _("NIP"),
        max_length=18,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9]{18}$", _("A NIP (Nomor Induk Pegawai) has 18 digits."))
        ],
        help_text=_("Nomor Induk Pegawai, 18 digits, printed under a signature."),
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            # Agency roles need an agency; a manager runs one mall; the ministry sees all.
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=AGENCY_ROLES, agency__isnull=False, mall__isnull=True)
                    | Q(role="mall_manager", mall__isnull=False, agency__isnull=True)
                    | Q(role="ministry_monitor", mall__isnull=True, agency__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "mall", "agency"],
                nulls_distinct=False,
                name="membership_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency or self.mall or '—'}"


class Announcement(models.Model):
    """A notice (pengumuman) from a mall or one of its agencies, shown while it is valid.

    Staff write it in Indonesian and, optionally, in English. One a rule publishes (a closure or
    restricted hours) keeps the rule's terms instead and is worded when it is read, in the
    reader's language: ``title`` and ``body`` always answer in the active language.
    """

    class Kind(models.TextChoices):
        GENERAL = "general", _("General")
        RESTRICTED_HOURS = "restricted_hours", _("Restricted hours")
        CLOSURE = "closure", _("Closure")
        NEW_ONLINE_SERVICE = "new_online_service", _("New online service")

    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="announcements")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="announcements",
        help_text=_("Leave empty for an announcement of the whole mall."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    title_id = models.CharField(_("title (Indonesian)"), max_length=200)
    body_id = models.TextField(_("text (Indonesian)"))
    title_en = models.CharField(
        _("title (English)"),
        max_length=200,
        blank=True,
        help_text=_("Empty: English readers see the Indonesian title."),
    )
    body_en = models.TextField(_("text (English)"), blank=True)
    rule = models.JSONField(
        _("terms of the rule"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Set when a closure or restricted hours publish it; the text follows them."),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_until")), name="announcement_validity_order"
            ),
        ]
        indexes = [models.Index(fields=["mall", "valid_until", "valid_from"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.mall_id and self.agency is not None and self.agency.mall_id != self.mall_id:
            raise ValidationError({"agency": _("This agency does not serve in this mall.")})

    @property
    def title(self) -> str:
        """The title in the active language."""
        if self.rule:
            return rule_title(self.kind, self.rule)
        return self._in_language(self.title_id, self.title_en)

    @title.setter
    def title(self, value: str) -> None:
        self.title_id = value

    @property
    def body(self) -> str:
        """The text in the active language."""
        if self.rule:
            return rule_body(self.rule)
        return self._in_language(self.body_id, self.body_en)

    @body.setter
    def body(self, value: str) -> None:
        self.body_id = value

    @staticmethod
    def _in_language(indonesian: str, english: str) -> str:
        if english and (translation.get_language() or "").startswith("en"):
            return english
        return indonesian


RULE_BODY = _(
    "%(reason)s (%(decree)s). Booked visits have been moved to the next free time; "
    "check your messages. Most services can be applied for online."
)


def rule_title(kind: str, rule: dict[str, str]) -> str:
    """The title of a closure's or a restriction's announcement, in the active language."""
    first = _rule_day(rule.get("first", ""))
    last = _rule_day(rule.get("last", ""))
    who = rule.get("who", "")
    opens, closes = parse_time(rule.get("opens", "")), parse_time(rule.get("closes", ""))
    if kind == Announcement.Kind.RESTRICTED_HOURS and opens and closes:
        return gettext("%(who)s open only %(opens)s–%(closes)s, %(first)s – %(last)s") % {
            "who": who,
            "opens": opens.strftime("%H.%M"),
            "closes": closes.strftime("%H.%M"),
            "first": first,
            "last": last,
        }
    return gettext("%(who)s closed %(first)s – %(last)s") % {
        "who": who,
        "first": first,
        "last": last,
    }


def rule_body(rule: dict[str, str]) -> str:
    """The text of a closure's or a restriction's announcement, in the active language."""
    reason = Announcement._in_language(rule.get("reason", ""), rule.get("reason_en", ""))
    return str(RULE_BODY) % {"reason": reason, "decree": rule.get("decree", "")}


def _rule_day(value: str) -> str:
    day = parse_date(value)
    return formats.date_format(day, "j F Y") if day else value
