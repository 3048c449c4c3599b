"""Field surveys (survei lapangan) at the technical team's step: scheduling (on site or by
teleconference), the applicant's confirmation, and the result with its evidence."""

from collections.abc import Sequence
from datetime import datetime

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document, Step, Survey
from satupintu.cases.services.configuration import check_role
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.forms import FINDINGS_MAX, PLACE_MAX, check_length
from satupintu.cases.services.transitions import tell_applicant
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.meetings import meeting_link
from satupintu.notify.models import Event


def _check_survey_step(application: Application, actor: User) -> None:
    if application.status != Application.Status.IN_PROGRESS or application.step != (
        Step.FIELD_SURVEY
    ):
        raise CaseError("wrong_step", _("This application is not at the field survey step."))
    check_role(application, actor)


@transaction.atomic
def survey_schedule(
    *, application: Application, by: User, mode: str, scheduled_at: datetime, place: str = ""
) -> Survey:
    """The technical team sets a survey; a teleconference gets a Jitsi room of its own. The
    applicant is told and asked to confirm the time."""
    check_length(place, limit=PLACE_MAX)
    _check_survey_step(application, by)
    if mode not in Survey.Mode.values:
        raise CaseError("mode", _("Choose on site or teleconference."))
    if scheduled_at <= timezone.now():
        raise CaseError("past", _("Choose a time in the future."))
    if mode == Survey.Mode.ON_SITE and not place.strip():
        raise CaseError("place_needed", _("Say where the survey takes place."))
    survey = Survey.objects.create(
        application=application,
        mode=mode,
        scheduled_at=scheduled_at,
        place=place.strip(),
        meeting_url=meeting_link(f"Survei{application.tracking_number}")
        if mode == Survey.Mode.VIDEO
        else "",
        scheduled_by=by,
    )
    local = in_mall_time(scheduled_at, application.service.agency.mall)
    tell_applicant(
        application,
        Event.SURVEY_SCHEDULED,
        date=local.strftime("%d-%m-%Y"),
        time=local.strftime("%H:%M"),
        mode=str(survey.get_mode_display()),
        where=survey.meeting_url or survey.place,
    )
    return survey


def survey_due(survey: Survey) -> bool:
    """Whether the survey's day has come, in its mall's time zone: a result is not recorded
    for a survey that cannot have taken place yet."""
    mall = survey.application.service.agency.mall
    return (
        in_mall_time(timezone.now(), mall).date() >= in_mall_time(survey.scheduled_at, mall).date()
    )


def survey_confirm(*, survey: Survey, by: User) -> Survey:
    """The applicant confirms the survey's time."""
    if by != survey.application.applicant:
        raise CaseError("forbidden", _("Only the applicant confirms the survey."))
    if survey.completed_at:
        raise CaseError("done", _("This survey is over."))
    Survey.objects.filter(pk=survey.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    survey.refresh_from_db()
    return survey


@transaction.atomic
def survey_complete(
    *,
    survey: Survey,
    by: User,
    findings: str,
    recommendation: str,
    report: "File[bytes] | None" = None,
    photos: "Sequence[File[bytes]]" = (),
) -> Survey:
    """Record the result: findings, the recommendation, the berita acara and the photos (their
    GPS and time kept when they carry them)."""
    check_length(findings, limit=FINDINGS_MAX)
    application = survey.application
    _check_survey_step(application, by)
    if survey.completed_at:
        raise CaseError("done", _("This survey is over."))
    if not survey_due(survey):
        mall = application.service.agency.mall
        raise CaseError(
            "survey_not_yet",
            _("The survey is set for %(day)s: record its result on or after that day.")
            % {"day": date_format(in_mall_time(survey.scheduled_at, mall).date(), "j F Y")},
        )
    if not findings.strip() or recommendation not in Survey.Recommendation.values:
        raise CaseError("result_needed", _("Write the findings and choose a recommendation."))
    if report is not None:
        document_add(
            application=application, upload=report, by=by, kind=Document.Kind.SURVEY_REPORT
        )
    for photo in photos:
        document_add(application=application, upload=photo, by=by, kind=Document.Kind.SURVEY_PHOTO)
    survey.findings, survey.recommendation = findings.strip(), recommendation
    survey.completed_at = timezone.now()
    survey.save(update_fields=["findings", "recommendation", "completed_at"])
    return survey
