"""What other apps may listen to: every change of an application (the API's webhooks do)."""

from django.dispatch import Signal

# Sent inside the transition's transaction with ``application`` and ``transition``.
application_changed = Signal()
