"""Counters over a time window in the default cache (a Redis shared by every worker in
production): lock-outs, guesses and floods count here, never per process."""

from django.conf import settings
from django.core.cache import cache

from satupintu.accounts.checks import PER_PROCESS


def count_in_window(key: str, seconds: int) -> int:
    """Add one to ``key`` and return its count; the window starts at the first count and
    ``incr`` keeps its expiry (Redis and locmem alike)."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return 1


def minutes_to_wait(key: str, *, limit: int, seconds: int) -> int | None:
    """Count one more under ``key``; past ``limit`` in ``seconds``, the whole minutes the
    person is told to wait (the window, rounded up), else None."""
    if count_in_window(key, seconds) > limit:
        return max(1, -(-seconds // 60))
    return None


def cache_is_shared() -> bool:
    """Whether the default cache is one store for every worker (Redis), not a copy per process.
    What one worker writes there another may trust, and a deletion reaches them all: only
    then may it stand in for the database (API tokens, full slots)."""
    return settings.CACHES["default"]["BACKEND"] not in PER_PROCESS
