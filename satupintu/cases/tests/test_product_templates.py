"""A service's product template is staff-edited text: rendered in the sandbox over plain values,
it prints the permit's facts and nothing of the database behind them."""

import pytest
from django.urls import reverse

from satupintu.accounts.services import api_token_create
from satupintu.cases.errors import CaseError
from satupintu.cases.models import IssuedDocument, ProductTemplate
from satupintu.cases.permits import render
from satupintu.cases.tests.factories import staff_of
from satupintu.cases.tests.test_signing import (
    approved,
    decision_service,
    submitted,
    use_tmp_signing_dir,
)
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import staff_member
from satupintu.tests.test_templating import ESCAPES

pytestmark = pytest.mark.django_db

# What a template walking relations from the objects Django's engine used to get would print.
RELATION_WALKS = [
    "{{ agency.memberships.all }}",
    "{% for m in agency.memberships.all %}{{ m.user.password }}{% endfor %}",
    "{{ mall.memberships.all }}",
    "{{ service.applications.all }}",
    "{% for a in service.applications.all %}{{ a.form_data }}{{ a.applicant.nik }}{% endfor %}",
    "{{ service.agency.memberships.all }}",
    "{{ user.password }}",
    "{{ user.auth_token }}",
    "{{ user.auth_token.key }}",
    "{{ signer.password }}",
    "{{ document.application.applicant.password }}",
    "{{ form.nik.__class__ }}",
]


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


@pytest.fixture
def case():
    """An approved case, another applicant's case of the same service, and the approver's
    password hash and API token: what a leaking template would print."""
    service = decision_service()
    staff = staff_of(service)
    other = submitted(service)
    ProductTemplate.objects.create(
        service=service,
        title="Izin",
        body="<p>Diberikan kepada {{ holder }} ({{ form.fungsi }}) oleh {{ agency.name }} "
        "di {{ mall.name }}, berlaku s.d. {{ valid_until|date('j F Y') }}.</p>",
        validity_months=12,
    )
    application = approved(service, staff)
    _token, token_secret = api_token_create(user=staff["approver"])
    secrets = [
        staff["approver"].password,
        staff["front_office"].password,
        token_secret,
        other.form_data["nik"],
        other.applicant.nik,
        other.tracking_number,
    ]
    return application, secrets


def _body(application, source: str) -> str:
    document = application.issued_document
    return render.product_body(
        template=ProductTemplate(service=application.service, title="x", body=source),
        document=document,
        application=application,
        agency=application.service.agency,
    )


def test_the_permit_prints_the_real_values_of_its_case(case):
    application, _secrets = case
    body = _body(application, application.service.product_template.body)
    assert "Diberikan kepada Siti Aminah (usaha)" in body
    assert application.service.agency.name in body
    assert application.service.agency.mall.name in body
    assert f"{application.issued_document.valid_until.year}" in body


def _leaks(application, sources: list[str], secrets: list[str]) -> dict[str, str]:
    """The sources that rendered something: each must be refused or print nothing."""
    leaks = {}
    for source in sources:
        try:
            body = _body(application, source)
        except CaseError as refused:
            assert refused.code == "template_invalid" and refused.message
            continue
        if body.strip() or any(secret in body for secret in secrets):
            leaks[source] = body
    return leaks


def test_no_relation_walk_prints_anything_of_the_database(case):
    """One approved case for every walk: rendering a PDF per walk would be slow."""
    application, secrets = case
    assert _leaks(application, RELATION_WALKS, secrets) == {}


def test_no_known_escape_gets_out_of_the_sandbox(case):
    application, secrets = case
    assert _leaks(application, ESCAPES, secrets) == {}


def test_an_escape_in_a_stored_template_refuses_the_approval_and_issues_nothing():
    service = decision_service()
    staff = staff_of(service)
    ProductTemplate.objects.create(service=service, title="Izin", body="{{ holder.__class__ }}")
    with pytest.raises(CaseError) as refused:
        approved(service, staff)
    assert refused.value.code == "template_invalid"
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{{ user.password }}", "Nama tidak dikenal: user"),
        ("{{ agency.memberships.all() }}", "tidak dapat memanggil"),
        ("{{ holder.__class__ }}", "garis bawah"),
        ("{{ holder|attr('x') }}", "tidak ada filter"),
        ("{% if %}", "Baris 1"),
        ("{{ holder * 10000000 }}", "terlalu besar"),
    ],
)
def test_the_admin_refuses_to_save_a_template_the_sandbox_refuses(client, body, says):
    service = decision_service()
    officer = staff_member(StaffMembership.Role.APPROVER, agency=service.agency, is_staff=True)
    client.force_login(officer)
    page = client.post(
        reverse("admin:cases_producttemplate_add"),
        {"service": service.pk, "title": "Izin", "body": body},
    )
    assert page.status_code == 200 and says in page.text
    assert not ProductTemplate.objects.exists()


def test_the_admin_saves_a_template_of_offered_names_and_lists_them(client):
    service = decision_service()
    officer = staff_member(StaffMembership.Role.APPROVER, agency=service.agency, is_staff=True)
    client.force_login(officer)
    form = client.get(reverse("admin:cases_producttemplate_add"))
    for name in render.PRODUCT_TEMPLATE_NAMES:
        assert f"<code>{name}</code>" in form.text
    saved = client.post(
        reverse("admin:cases_producttemplate_add"),
        {
            "service": service.pk,
            "title": "Izin",
            "body": "<p>{{ holder }} {{ form.fungsi }} {{ valid_until|date('j F Y') }}</p>",
        },
    )
    assert saved.status_code == 302
    assert ProductTemplate.objects.get(service=service).title == "Izin"
