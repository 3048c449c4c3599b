"""Refusals of accounts: a one-time code or link that does not (or no longer) work, a throttle."""

from satupintu.errors import DomainError


class AccountError(DomainError):
    """``code_invalid`` (wrong, used or expired code or link) is a 400; ``throttled`` a 429."""

    statuses = {"throttled": 429}
