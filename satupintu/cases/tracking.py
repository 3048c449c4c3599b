"""Public tracking asks for the last four digits of the applicant's phone: 10,000 guesses.
Besides the per-client throttle, wrong guesses are counted per tracking number in the shared
cache, so a botnet spread over many addresses cannot try them all for one application."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from satupintu.cases.selectors import Tracking, track
from satupintu.counters import count_in_window


class TooManyGuesses(Exception):
    """This tracking number had too many wrong digits lately; try again after the cool-down."""


def _key(tracking_number: str) -> str:
    number = tracking_number.strip().upper().encode()
    return "tracking-guesses:" + hashlib.sha256(number).hexdigest()[:32]


def track_guarded(*, tracking_number: str, phone_last4: str) -> Tracking | None:
    """``track``, refused with :class:`TooManyGuesses` once the number has had
    ``TRACKING_FAILURE_LIMIT`` wrong guesses in ``TRACKING_LOCKOUT_SECONDS`` (a right pair is
    refused too then: it cannot be told from a lucky guess)."""
    key = _key(tracking_number)
    if cache.get(key, 0) >= settings.TRACKING_FAILURE_LIMIT:
        raise TooManyGuesses
    found = track(tracking_number=tracking_number, phone_last4=phone_last4)
    if found is None:
        count_in_window(key, settings.TRACKING_LOCKOUT_SECONDS)
    return found
