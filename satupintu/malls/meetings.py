"""Video-call links on the mall's self-hosted Jitsi server (field surveys, consultations)."""

import secrets

from django.conf import settings


def meeting_link(prefix: str) -> str:
    """A new, unguessable Jitsi room on ``JITSI_URL``, named after what it is for."""
    room = "".join(c for c in prefix if c.isalnum()) or "SatuPintu"
    return f"{settings.JITSI_URL}/{room}-{secrets.token_urlsafe(12)}"
