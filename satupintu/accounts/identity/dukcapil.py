"""Dukcapil's verification by elements (``CALL_VERIFY_BY_ELEMEN``, national-systems.md §3): the
NIK, name and birth date typed are compared with the civil registry, which answers a verdict per
field. Only the verdict is kept; what the registry holds never leaves this module, and neither
the NIK nor the name reaches a log or the integration's event log.

The answer is read leniently (keys in any case, ``content`` a list or one object, the NIK
echoed as a number), and anything that is not a clear verdict on the identity (a setup error,
a timeout, an HTTP error, an answer of an unknown shape) is "unavailable", never a mismatch.
"""

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings

from satupintu.accounts.identity.base import Claim, Outcome, Verdict

if TYPE_CHECKING:
    from satupintu.integrations.models import Integration

logger = logging.getLogger(__name__)

METHOD = "CALL_VERIFY_BY_ELEMEN"
OPERATION = f"dukcapil.{METHOD}"
# The registry's RESPONSE_CODEs: about the person (a refusal) or about our access (unavailable).
IDENTITY_FAILURES = frozenset({"08", "11", "13", "14", "15"})
SETUP_ERRORS = frozenset({"03", "04", "05", "06", "07", "09", "10", "16", "17"})
QUOTA_REACHED = "05"
FOUND = "01"
# The fields we send; NIK's own verdict is read when the answer carries one.
COMPARED = ("NAMA_LGKP", "TGL_LHR")
DEFAULT_DATE_FORMAT = "%d-%m-%Y"
_FUZZY = re.compile(r"sesuai\s*\(\s*(\d{1,3})(?:[.,]\d+)?\s*%?\s*\)")


def score(verdict: object) -> int | None:
    """A field's verdict as a percentage: "Sesuai" 100, "Sesuai (NN)" NN, anything saying
    "Tidak Sesuai" 0; None when the value is no verdict (an echoed NIK, a number)."""
    if not isinstance(verdict, str):
        return None
    text = " ".join(verdict.split()).lower()
    if text.startswith("tidak sesuai"):
        return 0
    if text == "sesuai":
        return 100
    fuzzy = _FUZZY.fullmatch(text)
    return min(100, int(fuzzy.group(1))) if fuzzy else None


def response_code(value: object) -> str:
    """A RESPONSE_CODE as two digits ("5", 5 and "05" are one code); "" for none."""
    if value is None or isinstance(value, bool):
        return ""
    text = str(value).strip()
    return text.zfill(2) if text.isdigit() else text


def _upper_keys(item: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).upper(): value for key, value in item.items()}


def _first_result(body: object) -> dict[str, Any] | None:
    if not isinstance(body, Mapping):
        return None
    content = _upper_keys(body).get("CONTENT")
    if isinstance(content, list):
        content = content[0] if content else None
    return _upper_keys(content) if isinstance(content, Mapping) else None


def _quota_left(body: object) -> int | None:
    if not isinstance(body, Mapping):
        return None
    left = {str(key).lower(): value for key, value in body.items()}.get("quotalimiter")
    try:
        return int(left) if left is not None and not isinstance(left, bool) else None
    except (TypeError, ValueError):
        return None


def verdict_from_answer(body: object, *, threshold: int) -> Verdict:
    """The verdict of one answer of CALL_VERIFY_BY_ELEMEN: a match when every field compared
    (and the NIK, when it has a verdict) scores at least ``threshold``."""
    item = _first_result(body)
    left = _quota_left(body)
    quota_reached = left is not None and left <= 0
    if item is None:
        return Verdict(Outcome.UNAVAILABLE, reason="answer without content")
    code = response_code(item.get("RESPONSE_CODE"))
    if code and code != FOUND:
        if code in IDENTITY_FAILURES:
            return Verdict(Outcome.MISMATCH, reason=f"code {code}", quota_reached=quota_reached)
        return Verdict(
            Outcome.UNAVAILABLE,
            reason=f"code {code}" + ("" if code in SETUP_ERRORS else " (unknown)"),
            quota_reached=quota_reached or code == QUOTA_REACHED,
        )
    scores = [score(item.get(field)) for field in COMPARED]
    nik = score(item.get("NIK"))
    if nik is not None:
        scores.append(nik)
    if any(value is None for value in scores[: len(COMPARED)]):
        return Verdict(Outcome.UNAVAILABLE, reason="answer without verdicts")
    matched = all(value is not None and value >= threshold for value in scores)
    return Verdict(
        Outcome.MATCH if matched else Outcome.MISMATCH,
        reason="fields match" if matched else "fields differ",
        quota_reached=quota_reached,
    )


class Dukcapil:
    """The provider for one configured ``Integration(kind=DUKCAPIL)``: ``base_url`` the host on
    Dukcapil's network, options ``customer_id`` (the agency code in the path), ``ip_user`` (the
    registered source address) and optionally ``threshold`` and ``date_format``; secrets
    ``user_id`` and ``password``."""

    key = "dukcapil"
    verifies = True
    needs_birth_date = True

    def __init__(self, integration: "Integration") -> None:
        self.integration = integration

    @property
    def threshold(self) -> int:
        return int(self.integration.option("threshold", settings.DUKCAPIL_THRESHOLD))

    def url(self) -> str:
        customer = quote(str(self.integration.option("customer_id", "")), safe="")
        return f"{self.integration.base_url.rstrip('/')}/dukcapil/get_json/{customer}/{METHOD}"

    def body(self, claim: Claim) -> dict[str, str]:
        assert claim.birth_date is not None  # the callers ask for it (needs_birth_date)
        date_format = str(self.integration.option("date_format", DEFAULT_DATE_FORMAT))
        return {
            "USER_ID": self.integration.secret("user_id"),
            "PASSWORD": self.integration.secret("password"),
            "IP_USER": str(self.integration.option("ip_user", "")),
            # Sic: the registry spells it so.
            "TRESHOLD": str(self.threshold),
            "NIK": claim.nik,
            # The registry keeps names in capitals.
            "NAMA_LGKP": " ".join(claim.name.split()).upper(),
            "TGL_LHR": claim.birth_date.strftime(date_format),
        }

    def check(self, claim: Claim) -> Verdict:
        from satupintu.integrations.http import send
        from satupintu.integrations.registry import CallFailed

        try:
            answer = send(
                "POST", self.url(), json=self.body(claim), timeout=settings.DUKCAPIL_TIMEOUT
            )
        except CallFailed as failed:
            verdict = Verdict(
                Outcome.UNAVAILABLE, reason="timeout" if failed.unknown_outcome else "unreachable"
            )
        else:
            if answer.status != 200:
                verdict = Verdict(Outcome.UNAVAILABLE, reason=f"http {answer.status}")
            else:
                verdict = verdict_from_answer(answer.json(), threshold=self.threshold)
        self._record(verdict)
        return verdict

    def _record(self, verdict: Verdict) -> None:
        """The integration's log: the verdict and why, nothing of the person."""
        from satupintu.integrations.services import event_record

        message = f"{verdict.outcome}: {verdict.reason}" if verdict.reason else str(verdict.outcome)
        if verdict.quota_reached:
            message += "; daily quota reached"
        event_record(
            integration=self.integration,
            kind=self.integration.kind,
            direction="out",
            operation=OPERATION,
            ok=verdict.outcome != Outcome.UNAVAILABLE,
            message=message,
        )
        if verdict.outcome == Outcome.UNAVAILABLE:
            logger.warning("Dukcapil did not give a verdict: %s", verdict.reason)
