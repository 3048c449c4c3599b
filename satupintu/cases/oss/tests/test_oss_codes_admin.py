"""The mall's manager maps OSS permit codes with OSS's own list at hand: the admin page asks
OSS getDataReferensi (kode 8) when opened, marks the codes already mapped to the manager's
services and links the others to a new mapping; OSS down is a message, not an error page."""

import pytest
from django.urls import reverse

from satupintu.cases.models import OssLicenseMap
from satupintu.cases.oss.fake import REFERENCES
from satupintu.cases.tests.factories import WorkflowServiceFactory
from satupintu.integrations.models import IntegrationEvent
from satupintu.malls.tests.factories import MallFactory, staff_member

pytestmark = pytest.mark.django_db
URL = reverse("admin:cases_osslicensemap_oss_codes")


@pytest.fixture
def service():
    return WorkflowServiceFactory(name="Persetujuan Bangunan Gedung")


@pytest.fixture
def manager(service):
    return staff_member("mall_manager", mall=service.agency.mall)


def test_the_manager_sees_osss_permit_codes_and_which_are_mapped(
    client, service, manager, oss, oss_integration
):
    oss_integration(mall=service.agency.mall)
    OssLicenseMap.objects.create(service=service, kd_izin="033000000001")
    elsewhere = WorkflowServiceFactory(name="Layanan Mall Lain", agency__mall=MallFactory())
    OssLicenseMap.objects.create(service=elsewhere, kd_izin="060000000001")
    client.force_login(manager)

    page = client.get(URL)

    assert page.status_code == 200
    text = page.text
    assert f'data-oss-codes="{len(REFERENCES["8"])}"' in text
    for code, description in REFERENCES["8"].items():
        assert code in text and description in text
    assert "Persetujuan Bangunan Gedung" in text
    assert "Layanan Mall Lain" not in text  # another mall's mapping is not theirs to see
    assert "?kd_izin=060000000001" in text and "?kd_izin=033000000001" not in text
    assert oss.received("getDataReferensi") == [{"GETDATAREFERENSI": {"kode": "8"}}]
    changelist = client.get(reverse("admin:cases_osslicensemap_changelist")).text
    assert URL in changelist


def test_oss_down_is_a_message(client, service, manager, oss, oss_integration):
    oss_integration(mall=service.agency.mall, check_timeout=0.3)
    oss.fault("getDataReferensi", "kode500")
    client.force_login(manager)
    page = client.get(URL)
    assert page.status_code == 200 and 'data-oss-codes="0"' in page.text
    assert "OSS" in page.text
    assert IntegrationEvent.objects.filter(operation="oss.getDataReferensi", ok=False).exists()


def test_another_malls_integration_is_not_asked(client, service, manager, oss, oss_integration):
    other = oss_integration(mall=MallFactory())
    client.force_login(manager)
    page = client.get(URL, {"integration": other.pk})
    assert 'data-oss-codes="none"' in page.text
    assert oss.requests == []


def test_only_those_who_map_open_it(client, service, oss, oss_integration):
    oss_integration(mall=service.agency.mall)
    client.force_login(staff_member("approver", agency=service.agency))
    assert client.get(URL).status_code == 403
    assert oss.requests == []


def test_opening_the_codes_too_often_is_told_to_wait_without_asking_oss(
    client, service, manager, oss, oss_integration, settings
):
    settings.OSS_ASK_LIMIT, settings.OSS_ASK_WINDOW_SECONDS = 1, 60
    oss_integration(mall=service.agency.mall)
    client.force_login(manager)
    assert f'data-oss-codes="{len(REFERENCES["8"])}"' in client.get(URL).text
    page = client.get(URL)
    assert page.status_code == 200 and 'data-oss-codes="0"' in page.text
    assert "OSS terlalu sering ditanya. Tunggu 1 menit" in page.text
    assert len(oss.received("getDataReferensi")) == 1
