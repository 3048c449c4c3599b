"""Sign-in forms of the portal and the admin, both behind the lock-out."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from satupintu.accounts.lockout import LoginLocked, login_check, login_failed, login_succeeded
from satupintu.accounts.twofactor import needs_second_factor

if TYPE_CHECKING:
    _SignInForm = AuthenticationForm  # what the mixin is mixed into
else:
    _SignInForm = object


class LockoutMixin(_SignInForm):
    """Asks the lock-out before the password is checked, and tells it how the check went."""

    where = "portal"
    locked_out = False
    request: HttpRequest  # both sign-in views pass theirs

    def clean(self) -> dict[str, Any]:
        login = self.cleaned_data.get("username")
        if login is None or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            login_check(request=self.request, login=login)
        except LoginLocked as locked:
            self.locked_out = True
            raise ValidationError(locked.message, code="locked_out") from locked
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is None:  # the password was wrong (not an inactive account)
                login_failed(request=self.request, login=login, where=self.where)
            raise
        assert self.user_cache is not None  # the password was right
        if not (settings.TWO_FACTOR_REQUIRED and needs_second_factor(user=self.user_cache)):
            # With a second factor to come, only both factors right start the count afresh
            # (the code's page does it): the password alone would reset it between guesses.
            login_succeeded(login=login)
        return cleaned


class LoginForm(LockoutMixin, AuthenticationForm):
    where = "portal"


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    where = "admin"
