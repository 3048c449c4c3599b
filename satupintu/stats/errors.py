"""The stats context's refusals (periods, filters, granularities)."""

from satupintu.errors import DomainError


class StatsError(DomainError):
    statuses = {"not_found": 404}
