"""Citizens sign in with their NIK or email; staff with their username."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from satupintu.accounts.models import User
from satupintu.accounts.validators import normalize_nik


def login_match(login: str) -> Q:
    """The accounts a typed login names: a username, an email or a NIK however it is written
    (the lock-out counts failures on the same account the sign-in would check)."""
    return Q(username=login) | Q(email__iexact=login) | Q(nik=normalize_nik(login))


class NikEmailOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not login or password is None:
            return None
        for user in User.objects.filter(login_match(login)).order_by("pk")[:2]:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        User().set_password(password)  # the same work whether or not the login exists
        return None
