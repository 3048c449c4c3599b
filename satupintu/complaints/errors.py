"""The complaints context's refusals (reports and consultations)."""

from satupintu.errors import DomainError


class ReportError(DomainError):
    statuses = {"not_found": 404, "forbidden": 403}
