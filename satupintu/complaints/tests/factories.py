"""Factories of the complaints context: reports and consultations made through its write path,
so each has its tracking id, history, clock and messages as a citizen's would."""

import factory

from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints.models import Consultation, Report
from satupintu.complaints.services import Filed, consultation_ask, report_file
from satupintu.malls.tests.factories import MallFactory, UserFactory


class FiledReportFactory(factory.Factory):
    """A complaint about a fee asked at the counter, filed with the reporter's name, email and
    phone; the answer (Filed) holds the secret of the follow-up link."""

    class Meta:
        model = Filed

    mall = factory.SubFactory(MallFactory)
    kind = Report.Kind.COMPLAINT
    category = Report.Category.FEES
    title = "Diminta uang di loket"
    text = "Petugas meminta Rp50.000 untuk mempercepat KTP-el."
    name = "Budi Santoso"
    email = "budi@example.id"
    phone = "+6281234567890"

    @classmethod
    def _create(cls, model_class, **fields) -> Filed:
        return report_file(**fields)


class ReportFactory(FiledReportFactory):
    """The report FiledReportFactory files, without its secret."""

    @classmethod
    def _create(cls, model_class, **fields) -> Report:
        return report_file(**fields).report


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A signed-in citizen's question to the agency of a service, as the portal asks it."""

    class Meta:
        model = Consultation

    citizen = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    subject = "Syarat PBG rumah"
    text = "Apakah perlu gambar struktur untuk rumah 1 lantai?"

    @classmethod
    def _create(cls, model_class, **fields) -> Consultation:
        return consultation_ask(**fields)
