"""Reads of accounts."""

from django.db.models import QuerySet
from django.utils import timezone

from satupintu.accounts.models import ApiToken, User
from satupintu.malls.permissions import staff_scope


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The tokens ``user`` holds that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now())


def is_staff_person(*, user: User) -> bool:
    """Anyone who works the back office or the admin: is_staff, or staff anywhere as the
    permissions count it (a role in a mall or an agency, the ministry's monitor, a superuser)."""
    return user.is_staff or staff_scope(user).is_staff_anywhere
