"""Reads of accounts."""

from django.db.models import QuerySet
from django.utils import timezone

from satupintu.accounts.models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The tokens ``user`` holds that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now())


def is_staff_person(*, user: User) -> bool:
    """Anyone who works the back office or the admin: a staff role, is_staff or superuser."""
    return user.is_staff or user.is_superuser or user.memberships.exists()
