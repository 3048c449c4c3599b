"""Credentials of outside systems, encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256).

The key is ``INTEGRATIONS_SECRET_KEY`` (a Fernet key) when set, else one derived from
``SECRET_KEY`` with HKDF, so rotating SECRET_KEY without setting the former makes the stored
credentials unreadable: they are then entered again in the admin.
"""

import base64
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _fernet(secret_key: str, explicit: str) -> Fernet:
    if explicit:
        return Fernet(explicit.encode())
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"satupintu.integrations"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def fernet() -> Fernet:
    return _fernet(settings.SECRET_KEY, settings.INTEGRATIONS_SECRET_KEY)


def seal(values: dict[str, str]) -> str:
    """``values`` encrypted; empty when there is nothing to keep."""
    if not values:
        return ""
    return fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    """What ``seal`` encrypted; empty when nothing was kept or the key changed."""
    if not token:
        return {}
    try:
        values = json.loads(fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}
