"""``copying.built``: a model object built by position is the one the keyword path builds."""

import pytest
from django.utils import timezone

from satupintu.copying import built
from satupintu.notify.models import Message


def test_built_by_position_holds_what_the_keywords_give_and_the_defaults():
    now = timezone.now()
    values = {
        "mall_id": 7,
        "user_id": None,
        "event": "booking_moved",
        "channel": "email",
        "language": "id",
        "to": "warga@example.id",
        "body": "Yth. Warga",
        "next_attempt_at": now,
        "give_up_at": now,
        "context": {"code": "ABCD-EFGH"},
    }
    fast, slow = built(Message, values), Message(**values)
    for field in Message._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    assert fast.status == Message.Status.QUEUED and fast.fallback_channels == []
    assert fast._state.adding and fast.pk is None
    # A default that is a new object each time is not shared between two objects.
    assert built(Message, values).fallback_channels is not fast.fallback_channels


def test_built_refuses_a_name_that_is_no_field():
    with pytest.raises(TypeError, match="mall"):
        built(Message, {"mall": None, "event": "booking_moved"})
