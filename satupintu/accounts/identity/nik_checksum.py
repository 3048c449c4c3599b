"""The default provider: the NIK's own structure (``stdnum.id.nik``), checked here, offline."""

from django.core.exceptions import ValidationError

from satupintu.accounts.identity.base import Claim, Outcome, Verdict
from satupintu.accounts.validators import validate_nik


class NikChecksum:
    key = "nik-checksum"
    verifies = False
    needs_birth_date = False

    def check(self, claim: Claim) -> Verdict:
        try:
            validate_nik(claim.nik)
        except ValidationError:
            return Verdict(Outcome.MISMATCH, reason="invalid nik")
        return Verdict(Outcome.MATCH)
