"""What other apps may listen to: every change of an application (the API's webhooks do)."""

from django.dispatch import Signal

# Sent inside the transition's transaction with ``application`` and ``transition``.
application_changed = Signal()

# Sent inside the issuing transaction with ``document`` (the IssuedDocument just kept) and
# ``application``: the moment a licensing system is told the permit and its signatory.
document_issued = Signal()
