"""The cases context's refusals (applications, surveys, issued documents)."""

from satupintu.errors import DomainError


class CaseError(DomainError):
    statuses = {
        "conflict": 409,
        "idempotency_key_reused": 409,
        "not_your_step": 403,
        "forbidden": 403,
        "separate_duties": 403,
        "not_found": 404,
    }
