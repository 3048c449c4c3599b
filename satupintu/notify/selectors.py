"""Reads of the notifications: a citizen's inbox, the outbox's backlog."""

from datetime import datetime

from django.db.models import QuerySet

from satupintu.accounts.models import User
from satupintu.notify.models import Message


def inbox(*, user: User) -> QuerySet[Message]:
    """What Satu Pintu told ``user``, newest first, on whatever channel it went out.

    A message that failed and was passed on to another channel shows once, as the one passed
    on; one that failed with nowhere left to go still shows, so it can be read here.
    """
    return (
        Message.objects.filter(user=user)
        .exclude(status=Message.Status.FAILED, fallbacks__isnull=False)
        .select_related("mall")
        .order_by("-created_at", "-pk")
    )


def inbox_unread_count(*, user: User) -> int:
    return inbox(user=user).filter(read_at__isnull=True).count()


# Written, not yet handed over to the channel's provider (the index message_undelivered).
UNDELIVERED = [Message.Status.QUEUED, Message.Status.SENDING]


def outbox_oldest_undelivered() -> datetime | None:
    """When the oldest message still waiting to go out was written (None: the outbox is empty).

    One scan of the partial index ``message_undelivered``, however long the backlog.
    """
    return (
        Message.objects.filter(status__in=UNDELIVERED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
