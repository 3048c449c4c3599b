import factory

from satupintu.catalog.models import Requirement, Service
from satupintu.catalog.services import service_refresh_search_text
from satupintu.malls.tests.factories import AgencyFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service whose search text is built as the catalog's write path builds it."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Layanan Contoh {n}")
    slug = factory.Sequence(lambda n: f"layanan-contoh-{n}")
    duration_working_days = 3
    product = "Dokumen"
    complaint_handling = "SP4N-LAPOR!"

    class Params:
        paid = factory.Trait(fee_rupiah=30000, fee_legal_basis="PP 76/2021")
        online_only = factory.Trait(channel=Service.Channel.ONLINE)
        in_person_only = factory.Trait(channel=Service.Channel.IN_PERSON)

    @factory.post_generation
    def indexed(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            service_refresh_search_text(service=obj)


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    service = factory.SubFactory(ServiceFactory)
    text = "Fotokopi Kartu Keluarga"
