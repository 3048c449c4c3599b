"""What every page shows of the signed-in person: the inbox's unread count, and for agency
staff the way to their work queue."""

from django.http import HttpRequest

from satupintu.malls.permissions import staff_scope
from satupintu.notify.selectors import inbox_unread_count


def account(request: HttpRequest) -> dict[str, int | bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = staff_scope(user)
    return {
        "inbox_unread": inbox_unread_count(user=user),
        "works_cases": scope.works_cases,
    }
