"""What an identity provider is asked (a claim) and what it answers (a verdict)."""

import enum
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class Claim:
    """Who someone says they are: as typed, never as a registry holds it."""

    nik: str
    name: str
    birth_date: date | None

    def __repr__(self) -> str:
        # Personal data stays out of tracebacks and logs.
        return "Claim(…)"


class Outcome(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    # The provider could not say (down, slow, misconfigured, out of quota): never a refusal.
    UNAVAILABLE = "unavailable"


# The reason of a verdict given without asking (Dukcapil's quota for today is used up).
NOT_ASKED = "not asked: daily quota reached"


@dataclass(frozen=True)
class Verdict:
    """A provider's answer. ``reason`` is for the integration's log (a response code,
    "timeout", "http 500"): never the registry's data nor the claim's."""

    outcome: Outcome
    reason: str = ""
    # Dukcapil's daily quota is used up (RESPONSE_CODE 05): ask again tomorrow.
    quota_reached: bool = False


class IdentityProvider(Protocol):
    key: str
    # Whether a match means "verified against the civil registry" (a checksum does not).
    verifies: bool
    # Whether a claim needs a birth date for this provider.
    needs_birth_date: bool

    def check(self, claim: Claim) -> Verdict: ...
