"""Writes of the surveys context: invitations (``invitations``), responses (``responses``); the
IKM arithmetic (``ikm``, pure)."""
