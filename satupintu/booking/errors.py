"""The booking context's refusals."""

from typing import TYPE_CHECKING

from satupintu.errors import DomainError

if TYPE_CHECKING:
    from satupintu.booking.models import Slot


class BookingError(DomainError):
    """A booking the rules refuse; a full slot or a second booking that day carries the next
    free slots (``next_slots``), offered instead."""

    # About the state of things rather than the request.
    statuses = {"slot_full": 409, "already_booked": 409}

    def __init__(self, code: str, message: str, *, next_slots: "list[Slot] | None" = None) -> None:
        super().__init__(code, message)
        self.next_slots = next_slots or []
