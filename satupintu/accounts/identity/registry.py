"""Which identity provider checks a claim: Dukcapil where the deployment configured an active
``Integration(kind=DUKCAPIL)``, else the local NIK checksum."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from satupintu.accounts.identity.base import IdentityProvider
from satupintu.accounts.identity.dukcapil import Dukcapil
from satupintu.accounts.identity.nik_checksum import NikChecksum

if TYPE_CHECKING:
    from satupintu.integrations.models import Integration

DEFAULT = NikChecksum.key
# The providers an Integration(kind=DUKCAPIL) can name, by key.
PROVIDERS: dict[str, Callable[["Integration"], IdentityProvider]] = {Dukcapil.key: Dukcapil}
LABELS = {Dukcapil.key: _("Dukcapil: verification by elements (CALL_VERIFY_BY_ELEMEN)")}


def register_providers() -> None:
    """Make the providers selectable on an integration in the admin (AppConfig.ready)."""
    from satupintu.integrations.models import Integration
    from satupintu.integrations.registry import register_provider

    for key, label in LABELS.items():
        register_provider(Integration.Kind.DUKCAPIL, key, label)


def identity_provider() -> IdentityProvider:
    """The deployment's identity provider now: Dukcapil's when an active integration names
    it, else the NIK checksum."""
    # Imported when used: accounts' modules load before the app registry is ready.
    from satupintu.integrations.models import Integration
    from satupintu.integrations.services import integration_for

    integration = integration_for(Integration.Kind.DUKCAPIL)
    if integration is not None and integration.provider in PROVIDERS:
        return PROVIDERS[integration.provider](integration)
    return NikChecksum()
