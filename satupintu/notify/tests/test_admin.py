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
