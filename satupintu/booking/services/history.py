"""The one write of a status change of a booking or a queue ticket, with its history row."""

from collections.abc import Collection, Mapping

from django.db import transaction
from django.db.models import Q

from satupintu.booking.models import Booking, BookingEvent, Ticket, TicketEvent


@transaction.atomic
def status_change[M: (Booking, Ticket)](
    row: M,
    event: BookingEvent | TicketEvent,
    *,
    to_status: str | None,
    from_statuses: Collection[str] | None,
    fields: Mapping[str, object],
    when: Q | None = None,
    read_back: bool = False,
) -> bool:
    """Save a new ``row``, or change ``to_status`` and ``fields`` of an existing one, under its
    lock, while its status is one of ``from_statuses`` (any when None) and it matches ``when``;
    then save ``event`` (its row, actor, reason and note already set) with the status before and
    after. Returns whether it changed: False writes nothing. With ``read_back`` the changed
    fields are read back from the row (for fields given as expressions), else set as given.
    """
    if row.pk is None:
        row.save(force_insert=True)
        _history(event, from_status="", to_status=row.status)
        return True
    rows = type(row).objects.select_for_update().filter(pk=row.pk)
    if when is not None:
        rows = rows.filter(when)
    current = rows.values_list("status", flat=True).first()
    if current is None or (from_statuses is not None and current not in from_statuses):
        return False
    changes = {**fields, "status": to_status or current}
    type(row).objects.filter(pk=row.pk).update(**changes)
    if read_back:
        row.refresh_from_db(fields=list(changes))
    else:
        for name, value in changes.items():
            setattr(row, name, value)
    _history(event, from_status=current, to_status=row.status)
    return True


def _history(event: BookingEvent | TicketEvent, *, from_status: str, to_status: str) -> None:
    event.from_status = from_status
    event.to_status = to_status
    event.save(force_insert=True)
