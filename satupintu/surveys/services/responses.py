"""Answers to the IKM survey: online by an invitation's one-use link, or typed from a paper
form at the front office. Both check the answers alike and store an anonymous response."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.catalog.models import Service
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Mall
from satupintu.surveys.elements import COMMENT_MAX, ELEMENTS, PROFILE_FIELDS, SCORES
from satupintu.surveys.errors import SurveyError
from satupintu.surveys.models import Invitation, Response
from satupintu.surveys.services.invitations import token_hash

PAPER_DAYS_BACK = 366  # a paper form is typed in within a year of being filled


@dataclass(frozen=True)
class Answers:
    """A checked questionnaire: the nine scores by column (``u1`` ..), the profile by field
    (empty where not given) and the comment."""

    scores: dict[str, int]
    profile: dict[str, str]
    comment: str


def _score(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else None


def answers_check(
    *, scores: Mapping[str, object], profile: Mapping[str, object], comment: str
) -> Answers:
    """The questionnaire as given, checked: every element answered with a score of 1-4, the
    profile's answers among its choices (or empty), the comment not too long. SurveyError
    (``invalid``, with the fields at fault) otherwise: nothing is stored."""
    errors: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    for element in ELEMENTS:
        raw = scores.get(element.field)
        value = _score(raw)
        if raw in (None, ""):
            errors[element.field] = [
                _("Answer %(code)s (%(name)s).") % {"code": element.code, "name": element.name}
            ]
        elif value not in SCORES:
            errors[element.field] = [
                _("%(code)s: choose one of the four answers (1 to 4).") % {"code": element.code}
            ]
        else:
            checked[element.field] = value
    kept: dict[str, str] = {}
    for name, choices in PROFILE_FIELDS.items():
        given = str(profile.get(name) or "").strip()
        if given and given not in choices.values:
            errors[name] = [_("Choose one of the options or leave it empty.")]
        kept[name] = given
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [
            _("The comment is too long: at most %(max)d characters (%(length)d given).")
            % {"max": COMMENT_MAX, "length": len(comment)}
        ]
    if errors:
        missing = sum(1 for e in ELEMENTS if scores.get(e.field) in (None, ""))
        message = (
            _("Answer all nine questions: %(count)d not answered.") % {"count": missing}
            if missing
            else _("Some answers are not valid: see the marked questions.")
        )
        raise SurveyError("invalid", message, fields=errors)
    return Answers(checked, kept, comment)


def invitation_open(*, token: str, now: datetime | None = None) -> Invitation:
    """The invitation of a link's secret, while it can be answered: SurveyError ``unknown``
    (no such link), ``used`` or ``expired`` otherwise."""
    invitation = (
        Invitation.objects.select_related("mall", "agency", "service")
        .filter(token_hash=token_hash(token[:200]))
        .first()
    )
    if invitation is None:
        raise SurveyError("unknown", _("This survey link is not valid. Check the link you got."))
    if invitation.used_on is not None:
        raise SurveyError("used", _("This survey was already answered with this link. Thank you!"))
    if invitation.expires_at <= (now or timezone.now()):
        raise SurveyError("expired", _("This survey link has expired."))
    return invitation


def _store(
    *, mall: Mall, service: Service | None, agency_id: int, day: date, channel: str, a: Answers
) -> Response:
    return Response.objects.create(
        mall=mall,
        agency_id=agency_id,
        service=service,
        date=day,
        channel=channel,
        comment=a.comment,
        **a.scores,
        **a.profile,
    )


@transaction.atomic
def response_submit(
    *, token: str, scores: Mapping[str, object], profile: Mapping[str, object], comment: str = ""
) -> Response:
    """Answer the survey by an invitation's link: once. The invitation is marked used by a
    conditional UPDATE in the transaction that stores the response, so two submissions at once
    store one; the response keeps only the day, never the invitation or the person."""
    invitation = invitation_open(token=token)
    answers = answers_check(scores=scores, profile=profile, comment=comment)
    now = timezone.now()
    today = in_mall_time(now, invitation.mall).date()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, used_on__isnull=True, expires_at__gt=now
    ).update(used_on=today)
    if not claimed:
        raise SurveyError("used", _("This survey was already answered with this link. Thank you!"))
    return _store(
        mall=invitation.mall,
        service=invitation.service,
        agency_id=invitation.agency_id,
        day=today,
        channel=Response.Channel.ONLINE,
        a=answers,
    )


@transaction.atomic
def response_record_paper(
    *,
    service: Service,
    filled_on: date,
    scores: Mapping[str, object],
    profile: Mapping[str, object],
    comment: str = "",
) -> Response:
    """Store a paper questionnaire typed in at the front office (channel "paper"), checked as
    an online one is; ``filled_on`` is the day on the form (not in the future, within a
    year). Who may type for ``service`` is the caller's check (``selectors.paper_services``)."""
    mall = service.agency.mall
    today = in_mall_time(timezone.now(), mall).date()
    if filled_on > today or filled_on < today - timedelta(days=PAPER_DAYS_BACK):
        raise SurveyError(
            "invalid",
            _("The form's date must be within the last year, not in the future."),
            fields={"filled_on": [_("Give the date written on the form.")]},
        )
    answers = answers_check(scores=scores, profile=profile, comment=comment)
    return _store(
        mall=mall,
        service=service,
        agency_id=service.agency_id,
        day=filled_on,
        channel=Response.Channel.PAPER,
        a=answers,
    )
