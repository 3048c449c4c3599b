"""IKM surveys (PermenPANRB 14/2017): the one-use invitations sent after a served visit, a
finished application or an answered complaint, and the anonymous responses."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import Service
from satupintu.malls.models import Agency, Mall
from satupintu.surveys.elements import (
    COMMENT_MAX,
    ELEMENTS,
    AgeBand,
    Education,
    Gender,
    Occupation,
)


class Invitation(models.Model):
    """One invitation to answer the survey, for one event (a served visit, a finished
    application, an answered complaint): at most one per event. The link's secret is kept only
    as its SHA-256; the link works once, until ``expires_at``. Nothing links it to the response
    it led to: it is only marked used, on the day."""

    class Source(models.TextChoices):
        VISIT = "visit", _("Served visit")
        APPLICATION = "application", _("Finished application")
        COMPLAINT = "complaint", _("Answered complaint")

    source = models.CharField(_("after"), max_length=12, choices=Source.choices)
    # The queue ticket's, application's or report's id: no foreign key, so the event's own
    # retention (bookings, complaint identities) never waits on a survey.
    source_id = models.PositiveBigIntegerField(_("event"))
    token_hash = models.CharField(max_length=64, unique=True)
    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=5, default="id")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="survey_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.source_id}"


def _score_field(code: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(code)


class Response(models.Model):
    """One answered questionnaire. Anonymous by construction: the service, agency, mall, the
    day it was answered (no time), how (online or paper), the nine scores and the optional
    profile; no person, no booking, case or report, no invitation."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper form")

    mall = models.ForeignKey(Mall, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    u1 = _score_field("U1")
    u2 = _score_field("U2")
    u3 = _score_field("U3")
    u4 = _score_field("U4")
    u5 = _score_field("U5")
    u6 = _score_field("U6")
    u7 = _score_field("U7")
    u8 = _score_field("U8")
    u9 = _score_field("U9")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    age_band = models.CharField(_("age"), max_length=5, choices=AgeBand.choices, blank=True)
    education = models.CharField(
        _("education"), max_length=5, choices=Education.choices, blank=True
    )
    occupation = models.CharField(
        _("occupation"), max_length=9, choices=Occupation.choices, blank=True
    )
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{e.field}__gte": 1, f"{e.field}__lte": 4}),
                    name=f"survey_response_{e.field}_1_4",
                )
                for e in ELEMENTS
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["online", "paper"]), name="survey_response_channel"
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "date"]),
            models.Index(fields=["agency", "date"]),
            models.Index(fields=["service", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.date}"
