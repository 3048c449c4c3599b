"""Message templates, the transactional outbox of messages, and their delivery attempts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.malls.models import Mall


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    INAPP = "inapp", _("In-app inbox")


class Event(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
    BOOKING_MOVED = "booking_moved", _("Booking moved by a closure")
    BOOKING_RELEASED = "booking_released", _("Booking released by a closure")
    BOOKING_REMINDER = "booking_reminder", _("Visit reminder")
    BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
    APPLICATION_RECEIVED = "application_received", _("Application received")
    APPLICATION_UPDATED = "application_updated", _("Application moved on")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    SURVEY_SCHEDULED = "survey_scheduled", _("Field survey scheduled")
    DECISION_MADE = "decision_made", _("Decision made")
    DOCUMENT_READY = "document_ready", _("Document ready")
    COMPLAINT_ROUTED = "complaint_routed", _("Report routed to an agency (staff)")
    COMPLAINT_ESCALATED = "complaint_escalated", _("Report overdue (managers)")
    COMPLAINT_ANSWERED = "complaint_answered", _("Complaint answered")
    COMPLAINT_FILED = "complaint_filed", _("Report filed (to the reporter)")
    CONSULTATION_ANSWERED = "consultation_answered", _("Consultation answered")
    BOT_REPLY = "bot_reply", _("WhatsApp bot reply")
    ACCOUNT_CLOSED = "account_closed", _("Account closed")
    PASSWORD_RESET = "password_reset", _("Password reset code")
    ACCOUNT_CLAIM = "account_claim", _("Claim of an account made at the counter")
    REGISTRATION_CODE = "registration_code", _("Code to open an account")


class MessageTemplate(models.Model):
    """The wording of one event on one channel in one language; a mall may override it.

    Subject and bodies are sandboxed templates (``satupintu.templating``) over the event's
    values (e.g. {{ name }}), never Django's engine.
    """

    mall = models.ForeignKey(
        Mall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="message_templates",
        help_text=_("Empty: the default for every mall."),
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML text"), blank=True, help_text=_("Email only."))
    whatsapp_template = models.CharField(
        _("WhatsApp template name"),
        max_length=100,
        blank=True,
        help_text=_("The approved WhatsApp Business template sent for this event."),
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "event", "channel", "language"],
                nulls_distinct=False,
                name="message_template_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_channel_display()} · {self.language}"


class Message(models.Model):
    """One message to one address on one channel: the outbox row, written in the transaction of
    the change that caused it, then delivered by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    mall = models.ForeignKey(
        Mall, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(blank=True)
    calendar = models.TextField(blank=True, help_text=_("iCalendar attachment (visits)."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    give_up_at = models.DateTimeField(_("retry until"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read in the inbox"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    fallback_channels = models.JSONField(default=list, blank=True)
    fallback_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="fallbacks"
    )
    context = models.JSONField(default=dict, blank=True)
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="queued"), name="message_due"
            ),
            # The oldest message not handed over yet, for /readyz: one index scan.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="message_undelivered",
            ),
            models.Index(fields=["mall", "status", "-created_at"]),
            models.Index(fields=["channel", "provider_id"]),
            models.Index(fields=["user", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "delivered", "failed"]),
                name="message_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.to} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    """One try at handing a message to its channel's provider."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["message", "started_at"]

    def __str__(self) -> str:
        return f"{self.message_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"
