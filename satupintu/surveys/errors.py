"""The surveys context's refusals (invitation links, answers, periods)."""

from satupintu.errors import DomainError


class SurveyError(DomainError):
    statuses = {"unknown": 404, "used": 410, "expired": 410}
