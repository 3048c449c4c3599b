"""The inbound WhatsApp bot: STATUS <tracking number>, ANTREAN <booking code>, BANTUAN.

Apps that own cases and bookings register a lookup per command; a lookup gets the code and the
sender's phone (E.164) and answers only when the code was filed with that phone, so an unknown
number learns nothing about other people's cases.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _

from satupintu.malls.selectors import mall_list
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import message_queue_text

Lookup = Callable[[str, str], str | None]
LOOKUPS: dict[str, list[Lookup]] = {}


def register_lookup(command: str, lookup: Lookup) -> None:
    """Add ``lookup`` for ``command``; several apps may answer one command (STATUS serves
    applications and complaints), the first that knows the code answers."""
    lookups = LOOKUPS.setdefault(command.upper(), [])
    if lookup not in lookups:
        lookups.append(lookup)


def _help() -> str:
    return _(
        "Satu Pintu commands:\n"
        "STATUS <tracking number> — the status of your application or complaint\n"
        "ANTREAN <booking code> — your visit and queue\n"
        "BANTUAN — this list"
    )


def _contacts() -> str:
    lines = [f"{mall.name}: {mall.whatsapp or mall.phone}" for mall in mall_list()[:5]]
    return "\n".join(lines)


def answer(*, phone: str, text: str) -> str:
    """The bot's reply to ``text`` from ``phone``."""
    words = text.strip().split()
    command = words[0].upper() if words else ""
    if command in ("BANTUAN", "HELP", "MENU"):
        return _help()
    if command in ("STATUS", "ANTREAN"):
        if len(words) < 2:
            return _("Write %(command)s followed by the number, e.g. %(example)s.") % {
                "command": command,
                "example": "STATUS MPP-2026-000123" if command == "STATUS" else "ANTREAN BGR-7K2Q",
            }
        code = words[1].upper()
        found = next(
            (hit for lookup in LOOKUPS.get(command, []) if (hit := lookup(code, phone))), None
        )
        if found:
            return found
        return _(
            "We found no %(code)s filed with this WhatsApp number. Check the number, or write "
            "from the number you used when applying."
        ) % {"code": code}
    return _(
        "Sorry, we did not understand. Write BANTUAN for the commands, or contact the mall:\n"
        "%(contacts)s"
    ) % {"contacts": _contacts()}


@transaction.atomic
def reply(*, phone: str, text: str) -> Message:
    """Answer an inbound WhatsApp message through the outbox (so the reply is never lost)."""
    return message_queue_text(
        event=Event.BOT_REPLY,
        channel=Channel.WHATSAPP,
        language="id",
        to=phone,
        body=answer(phone=phone, text=text),
        context={"inbound": text[:500]},
    )
