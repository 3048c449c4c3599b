import pytest
from django.urls import reverse

from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import MallFactory, MembershipFactory
from satupintu.notify.models import Channel, Event, Message, MessageTemplate
from satupintu.notify.services import Recipient, message_deliver, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    mall = MallFactory()
    membership = MembershipFactory(role=StaffMembership.Role.MALL_MANAGER, mall=mall, agency=None)
    client.force_login(membership.user)
    return mall


def test_template_page_previews_with_example_values(client, manager):
    template = MessageTemplate.objects.get(
        event=Event.BOOKING_MOVED, channel=Channel.EMAIL, language="id", mall=None
    )
    page = client.get(reverse("admin:notify_messagetemplate_change", args=[template.pk]))
    assert "Kunjungan BGR-7K2Q dipindahkan" in page.text
    assert "443.1/1215.DPMPTSP" in page.text
    assert 'name="_save"' not in page.text  # defaults belong to the superuser


def test_manager_sees_their_malls_failed_messages_and_resends_them(client, manager):
    other_mall = MallFactory()
    mine = notify(
        event=Event.APPLICATION_RECEIVED,
        mall=manager,
        context={"name": "A"},
        recipient=Recipient(email="a@example.id", channels=("email",)),
    )
    theirs = notify(
        event=Event.APPLICATION_RECEIVED,
        mall=other_mall,
        context={"name": "B"},
        recipient=Recipient(email="b@example.id", channels=("email",)),
    )
    Message.objects.update(status=Message.Status.FAILED)

    listing = client.get(reverse("admin:notify_message_changelist"), {"status": "failed"})
    assert "a@example.id" in listing.text and "b@example.id" not in listing.text

    client.post(
        reverse("admin:notify_message_changelist"),
        {"action": "resend", "_selected_action": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Message.Status.QUEUED
    assert theirs.status == Message.Status.FAILED
    assert message_deliver(message_id=mine.pk).status == Message.Status.SENT


@pytest.mark.parametrize(
    ("field", "text", "says"),
    [
        ("body", "{{ user.password }}", "Nama tidak dikenal: user"),
        ("subject", "{{ name.__class__ }}", "garis bawah"),
        ("html_body", "{{ range(10) }}", "tidak dapat memanggil"),
        ("body", "{{ name|attr('upper') }}", "tidak ada filter"),
        ("body", "{{ name * 100000000 }}", "terlalu besar"),
        ("body", "{% if %}", "Baris 1"),
    ],
)
def test_a_manager_cannot_save_wording_the_sandbox_refuses(client, manager, field, text, says):
    fields = {
        "mall": manager.pk,
        "event": Event.APPLICATION_RECEIVED,
        "channel": Channel.EMAIL,
        "language": "id",
        "subject": "Permohonan {{ tracking }}",
        "body": "Yth. {{ name }}",
        "html_body": "",
        "whatsapp_template": "",
        field: text,
    }
    page = client.post(reverse("admin:notify_messagetemplate_add"), fields)
    assert page.status_code == 200 and says in page.text
    assert not MessageTemplate.objects.filter(mall=manager).exists()


def test_a_manager_saves_wording_of_the_events_names_and_sees_them_listed(client, manager):
    form = client.get(reverse("admin:notify_messagetemplate_add"))
    assert "name, service, tracking" in form.text  # the names each event offers
    saved = client.post(
        reverse("admin:notify_messagetemplate_add"),
        {
            "mall": manager.pk,
            "event": Event.APPLICATION_RECEIVED,
            "channel": Channel.EMAIL,
            "language": "id",
            "subject": "{% if tracking %}Nomor {{ tracking|upper }}{% endif %}",
            "body": "Yth. {{ name|default('Warga') }}, {{ service }} diterima.",
            "html_body": "<p>{{ name }}</p>",
            "whatsapp_template": "",
        },
    )
    assert saved.status_code == 302
    template = MessageTemplate.objects.get(mall=manager)
    page = client.get(reverse("admin:notify_messagetemplate_change", args=[template.pk]))
    assert "Nomor MPP-2026-000123" in page.text  # the preview renders in the sandbox
