"""What every portal page shows of the signed-in citizen: the inbox's unread count."""

from django.http import HttpRequest

from satupintu.notify.selectors import inbox_unread_count


def account(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": inbox_unread_count(user=user)}
