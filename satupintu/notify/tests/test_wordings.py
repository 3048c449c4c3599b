"""The wordings of a recipient's channels, read in one query: the mall's own before the
default, the recipient's language before Indonesian, never another mall's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from satupintu.malls.tests.factories import MallFactory
from satupintu.notify.models import Event, MessageTemplate
from satupintu.notify.services import Recipient, template_for, wordings_for
from satupintu.notify.tests.factories import MessageTemplateFactory

pytestmark = pytest.mark.django_db

EVENT = Event.COMPLAINT_FILED


def test_every_channel_s_wording_in_one_query_chosen_as_template_for_chooses():
    MessageTemplate.objects.filter(event=EVENT).delete()
    mall, other = MallFactory(), MallFactory()
    default_email = MessageTemplateFactory(event=EVENT, channel="email", language="id")
    own_email = MessageTemplateFactory(mall=mall, event=EVENT, channel="email", language="id")
    english_email = MessageTemplateFactory(event=EVENT, channel="email", language="en")
    MessageTemplateFactory(mall=other, event=EVENT, channel="whatsapp", language="en")
    default_whatsapp = MessageTemplateFactory(event=EVENT, channel="whatsapp", language="id")
    recipient = Recipient(email="warga@example.id", phone="+6281234567890", language="en")
    with CaptureQueriesContext(connection) as queries:
        wordings = wordings_for(event=EVENT, recipient=recipient, mall=mall)
    assert len(queries.captured_queries) == 1
    # The mall's own (Indonesian) beats the default in English; another mall's is never read.
    assert wordings == {
        ("email", "en"): own_email,
        ("whatsapp", "en"): default_whatsapp,
        ("sms", "en"): None,
    }
    for (channel, language), template in wordings.items():
        assert template == template_for(event=EVENT, channel=channel, language=language, mall=mall)
    # Without a mall: the defaults, the recipient's language first.
    assert wordings_for(event=EVENT, recipient=recipient)[("email", "en")] == english_email
    assert default_email != english_email


def test_a_recipient_without_an_address_needs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert wordings_for(event=EVENT, recipient=Recipient(), mall=None) == {}
    assert queries.captured_queries == []
