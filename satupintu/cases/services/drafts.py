"""Starting an application: a draft with a tracking number of its own, the answers so far, and
what of the checklist is still missing."""

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document
from satupintu.cases.services.forms import NIB_CHECK, answers_only, nib_field
from satupintu.catalog.models import Requirement, Service
from satupintu.catalog.selectors import field_label

# Random, so numbers do not tell how many cases there are: 10^8 a year leave room for every
# mall's applications, and a number drawn twice is drawn again.
TRACKING_DIGITS = 8


def _tracking_number() -> str:
    return f"MPP-{timezone.now().year}-{secrets.randbelow(10**TRACKING_DIGITS):0{TRACKING_DIGITS}d}"


def _create_numbered(**fields: Any) -> Application:
    """A new application with a tracking number nobody has; a clash is retried."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Application.objects.create(tracking_number=_tracking_number(), **fields)
        except IntegrityError:
            if (
                "external_ref" in fields
                and Application.objects.filter(external_ref=fields["external_ref"]).exists()
            ):
                raise
    raise CaseError("busy", _("No tracking number is free right now. Try again."))


# Names a form's field for the applicant's own name goes by (the schema has no "name" type).
NAME_FIELDS = ("nama", "nama_lengkap", "nama_pemohon", "name", "full_name")


def account_answers(service: Service, applicant: User) -> dict[str, str]:
    """What the account already says for the service's form: the applicant's NIK, name, phone
    and email, each into the first field asking for it (nothing typed twice)."""
    known = {
        "nik": applicant.nik,
        "phone": applicant.phone,
        "email": applicant.email,
        "name": applicant.get_full_name(),
    }
    answers: dict[str, str] = {}
    for field in service.form_schema:
        kind = "name" if field.get("name") in NAME_FIELDS else field.get("type", "")
        if kind in known and known[kind]:
            answers[field["name"]] = known.pop(kind)
    return answers


def application_draft(
    *,
    applicant: User,
    service: Service,
    form_data: dict[str, Any],
    nib: str = "",
    filed_by: User | None = None,
    external_ref: str = "",
) -> Application:
    """Start a draft: the answers so far, not yet checked for completeness. ``filed_by`` is the
    officer filing for a walk-in; ``external_ref`` makes a pushed application's retry find
    the case its first try made."""
    if not service.is_active or service.channel == Service.Channel.IN_PERSON:
        raise CaseError("not_online", _("This service is not offered online."))
    answers = answers_only(form_data)
    if not external_ref:  # a pushing system's answers are its own
        answers = {**account_answers(service, applicant), **answers}
    fields = {
        "service": service,
        "applicant": applicant,
        "nib": nib_field(nib),
        "form_data": answers,
        "filed_by": filed_by,
    }
    if external_ref:
        existing = Application.objects.filter(external_ref=external_ref).first()
        if existing:
            return existing
        try:
            return _create_numbered(external_ref=external_ref, **fields)
        except IntegrityError:  # the same push, retried at the same moment, won
            return Application.objects.get(external_ref=external_ref)
    return _create_numbered(**fields)


def application_update_draft(
    *, application: Application, form_data: dict[str, Any], nib: str | None = None
) -> Application:
    """Keep the answers so far of a draft or of an application back for revision."""
    if application.status not in (Application.Status.DRAFT, Application.Status.REVISION):
        raise CaseError("wrong_status", _("This application can no longer be changed."))
    application.form_data = {**application.form_data, **answers_only(form_data)}
    fields = ["form_data"]
    if nib is not None:
        application.nib = nib_field(nib)
        fields.append("nib")
        if application.form_data.get(NIB_CHECK, {}).get("nib") != application.nib:
            application.form_data.pop(NIB_CHECK, None)  # the check was of another NIB
    application.save(update_fields=fields)
    return application


def application_nib_checked(
    *, application: Application, check: dict[str, Any], answers: dict[str, str]
) -> Application:
    """Keep the outcome of checking the application's NIB against OSS (``check``, which names
    the NIB it was about) and the answers it filled in (only fields still empty)."""
    if application.status not in (Application.Status.DRAFT, Application.Status.REVISION):
        raise CaseError("wrong_status", _("This application can no longer be changed."))
    filled = {
        name: value
        for name, value in answers_only(answers).items()
        if value and not application.form_data.get(name)
    }
    application.form_data = {**application.form_data, **filled, NIB_CHECK: check}
    application.save(update_fields=["form_data"])
    return application


def missing_requirements(application: Application) -> list[Requirement]:
    """The mandatory requirements of the checklist that have no file yet."""
    uploaded = set(
        application.documents.filter(kind=Document.Kind.REQUIREMENT).values_list(
            "requirement_id", flat=True
        )
    )
    return [
        r
        for r in application.service.requirements.filter(is_mandatory=True)
        if r.pk not in uploaded
    ]


@dataclass(frozen=True)
class Missing:
    """What a draft still lacks before it can be submitted: the required answers (by field
    name, with their labels) and the mandatory requirements without a file."""

    fields: list[tuple[str, str]]
    requirements: list[Requirement]

    def __bool__(self) -> bool:
        return bool(self.fields or self.requirements)


def _empty(value: Any) -> bool:
    """Empty as ``validate_form`` counts it, so the summary and the submission agree."""
    if isinstance(value, str):
        value = value.strip()
    return value is None or value == "" or value == []


def application_missing(application: Application) -> Missing:
    """The draft's required answers still empty and its required documents still missing."""
    fields = [
        (field["name"], field_label(field))
        for field in application.service.form_schema
        if field.get("required")
        and field.get("type") != "file"
        and _empty(application.form_data.get(field["name"]))
    ]
    return Missing(fields=fields, requirements=missing_requirements(application))
