"""Counters over a time window in the default cache (a Redis shared by every worker in
production): lock-outs, guesses and floods count here, never per process."""

from django.core.cache import cache


def count_in_window(key: str, seconds: int) -> int:
    """Add one to ``key`` and return its count; the window starts at the first count and
    ``incr`` keeps its expiry (Redis and locmem alike)."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return 1
