"""Writes to the service catalog: keeping search text current and importing catalogs."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.text import slugify

from satupintu.catalog import search
from satupintu.catalog.models import ProcedureStep, Requirement, Service
from satupintu.malls.models import Agency


def service_refresh_search_text(*, service: Service) -> None:
    """Rebuild the indexed search text of a service from its name, agency and keywords."""
    agency = service.agency
    service.search_text = search.document_text(
        service.name, service.keywords, service.product, agency.name, agency.short_name
    )
    Service.objects.filter(pk=service.pk).update(search_text=service.search_text)


def agency_refresh_search_text(*, agency: Agency) -> None:
    """An agency's name is part of its services' search text: rebuild it after a rename."""
    for service in agency.services.select_related("agency"):
        service_refresh_search_text(service=service)


@transaction.atomic
def service_save(
    *,
    agency: Agency,
    name: str,
    duration_working_days: int,
    product: str,
    complaint_handling: str,
    requirements: Iterable[str] = (),
    steps: Iterable[str] = (),
    slug: str = "",
    **standard: object,
) -> Service:
    """Create or update (by agency and slug) a service with its requirements and steps.

    ``standard`` takes the other Service fields (fee_rupiah, legal_basis, channel, ...).
    Requirements and steps given replace the service's current ones.
    """
    slug = slug or slugify(name)[:120]
    service = Service.objects.filter(agency=agency, slug=slug).first() or Service(
        agency=agency, slug=slug
    )
    service.name = name
    service.duration_working_days = duration_working_days
    service.product = product
    service.complaint_handling = complaint_handling
    for field, value in standard.items():
        setattr(service, field, value)
    service.full_clean(exclude=["search_text"])
    service.save()
    service.requirements.all().delete()
    Requirement.objects.bulk_create(
        Requirement(service=service, position=i, text=text) for i, text in enumerate(requirements)
    )
    service.steps.all().delete()
    ProcedureStep.objects.bulk_create(
        ProcedureStep(service=service, position=i, text=text) for i, text in enumerate(steps)
    )
    service_refresh_search_text(service=service)
    return service
