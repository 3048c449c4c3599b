"""Applications a licensing system (an integration key) files for a citizen, idempotent by the
system's Idempotency-Key."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application
from satupintu.cases.services.drafts import application_draft
from satupintu.cases.services.workflow import application_submit
from satupintu.catalog.models import Service


@dataclass(frozen=True)
class Pushed:
    application: Application
    repeated: bool  # a retry of a push already received: the case it made, as it is now


def _push_applicant(nik: str) -> User:
    """The citizen a licensing system names by NIK: an active Satu Pintu account, or a refusal
    the system can show (the citizen signs up first)."""
    applicant = User.objects.filter(nik=nik, is_active=True).first() if nik else None
    if applicant is None:
        message = _(
            "No Satu Pintu account has this NIK. The citizen signs up first, "
            "then the application can be sent."
        )
        raise CaseError("unknown_applicant", message, fields={"nik": [message]})
    return applicant


def application_push(
    *,
    integration_id: int,
    integration_mall_id: int | None,
    idempotency_key: str,
    service: Service,
    nik: str,
    form_data: dict[str, Any],
    nib: str = "",
    submit: bool = False,
) -> Pushed:
    """A licensing system files an application for the citizen with ``nik`` and, when asked,
    submits it. Pushing again with the same Idempotency-Key returns the case the first push
    made (submitting it if asked and still a draft), so a system may retry until it hears back.

    Not one transaction: a draft the submission refuses (form errors, missing documents) stays,
    for the system to complete and submit later."""
    if not idempotency_key:
        raise CaseError(
            "idempotency_key_required", _("Send an Idempotency-Key header with every push.")
        )
    if integration_mall_id and service.agency.mall_id != integration_mall_id:
        raise CaseError("not_found", _("Not found."))
    applicant = _push_applicant(nik)
    external_ref = f"{integration_id}:{idempotency_key}"
    repeated = Application.objects.filter(external_ref=external_ref).exists()
    application = application_draft(
        applicant=applicant,
        service=service,
        form_data=form_data,
        nib=nib,
        external_ref=external_ref,
    )
    if application.service_id != service.pk or application.applicant_id != applicant.pk:
        raise CaseError(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for another application."),
        )
    # Only a draft is submitted, so a retry of a submitted push returns the case as it is.
    if submit and application.status == Application.Status.DRAFT:
        try:
            application = application_submit(application=application)
        except CaseError as refused:
            # Retries arriving at once: one submits, the others answer with the result.
            if refused.code != "conflict":
                raise
            application.refresh_from_db()
    return Pushed(application=application, repeated=repeated)
