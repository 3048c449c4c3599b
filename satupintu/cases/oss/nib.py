"""The business applicant's NIB checked against OSS while they fill the form: checkNIB, then
inqueryNIB to fill the business's name, NPWP and address. OSS down or slow never stops them:
the NIB is then kept, marked as not checked."""

from typing import Any

from django.utils import timezone

from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application
from satupintu.cases.oss.client import Business, check_nib, inquery_nib
from satupintu.cases.services.drafts import application_nib_checked
from satupintu.catalog.models import Service
from satupintu.integrations.models import Integration
from satupintu.integrations.services import integration_for

# Fields of a service's form the business's data fills in (when empty), by their name.
FILLS = {
    "name": ("nama_usaha", "nama_perusahaan", "nama_badan_usaha"),
    "npwp": ("npwp_usaha", "npwp_perusahaan", "npwp_badan_usaha"),
    "address": ("alamat_usaha", "alamat_perusahaan", "alamat_badan_usaha"),
}


def nib_checker(service: Service) -> Integration | None:
    """The OSS integration the service's applicants check their NIB with, if one is active."""
    return integration_for(Integration.Kind.OSS, mall=service.agency.mall, agency=service.agency)


def _answers(service: Service, business: Business) -> dict[str, str]:
    names = {field["name"] for field in service.form_schema}
    values = {"name": business.name, "npwp": business.npwp, "address": business.address}
    return {
        name: values[what] for what, fields in FILLS.items() for name in fields if name in names
    }


def application_nib_check(*, application: Application, integration: Integration) -> dict[str, Any]:
    """Check the application's NIB with OSS and keep the outcome (and what OSS fills in).

    Returns the kept outcome; raises the CaseError to show when the NIB is not 13 digits
    (nothing kept), unknown to OSS, or OSS cannot answer now (both kept as not checked)."""
    nib = application.nib
    now = timezone.now().isoformat()
    outcome: dict[str, Any] = {"nib": nib, "checked": False, "at": now}
    try:
        checked = check_nib(integration, nib)
        try:
            business = inquery_nib(integration, nib=checked.nib)
        except CaseError as refused:
            if refused.code != "oss_unavailable":
                raise
            # checkNIB answered: the NIB is checked, only the details are missing.
            business = Business(
                nib=checked.nib,
                oss_id="",
                name=checked.company_name,
                npwp="",
                address="",
                status=checked.status,
                kbli=(),
            )
    except CaseError as refused:
        if refused.code in ("nib_not_found", "oss_unavailable"):
            application_nib_checked(
                application=application, check={**outcome, "reason": refused.code}, answers={}
            )
        raise
    outcome.update(
        checked=True,
        name=business.name,
        npwp=business.npwp,
        address=business.address,
        status=business.status or checked.status,
        active=checked.active,
    )
    application_nib_checked(
        application=application, check=outcome, answers=_answers(application.service, business)
    )
    return outcome
