"""How a case moves: compare-and-swap on the application's ``version`` (two officers acting on
the same case at once cannot both succeed), recorded as a transition, and what the applicant
is told of it."""

from datetime import date
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Transition
from satupintu.cases.signals import application_changed
from satupintu.languages import site_url
from satupintu.malls.calendar import in_mall_time
from satupintu.notify.services import Recipient, notify


def mall_today(application: Application) -> date:
    """Today in the time zone of the application's mall."""
    return in_mall_time(timezone.now(), application.service.agency.mall).date()


def swap(
    application: Application, actor: User | None, action: str, note: str, **to: Any
) -> Application:
    """Move ``application`` if nobody moved it since it was read; record and return it."""
    updated = Application.objects.filter(pk=application.pk, version=application.version).update(
        version=F("version") + 1, **to
    )
    if not updated:
        raise CaseError("conflict", _("Someone else acted on this application first. Reload it."))
    transition = Transition.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=application.status,
        to_status=to.get("status", application.status),
        from_step=application.step,
        to_step=to.get("step", application.step),
        note=note,
    )
    application.refresh_from_db()
    application_changed.send(Application, application=application, transition=transition)
    return application


def _page(application: Application) -> str:
    """The applicant's page of the application, in the applicant's language."""
    return site_url(
        "portal:application", language=application.applicant.language, args=[application.pk]
    )


def applicant_state(application: Application) -> str:
    """What the applicant reads of where their application is: status, and step if any."""
    if application.step:
        return f"{application.get_status_display()} — {application.get_step_display()}"
    return str(application.get_status_display())


def tell_applicant(application: Application, event: str, **extra: str) -> None:
    """Send the applicant the message of ``event`` about ``application``."""
    notify(
        event=event,
        recipient=Recipient.for_user(application.applicant),
        mall=application.service.agency.mall,
        context={
            "name": application.applicant.get_full_name() or application.applicant.username,
            "service": application.service.name,
            "tracking": application.tracking_number,
            "mall": application.service.agency.mall.name,
            "link": _page(application),
            **extra,
        },
    )
