"""A citizen's account pages: registration proved by a code, a forgotten or claimed password,
the profile (/akun/) and a changed password."""

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from satupintu.accounts import lockout, recovery
from satupintu.accounts.clientip import client_ip
from satupintu.accounts.errors import AccountError
from satupintu.accounts.forms import (
    ClaimForm,
    CodePasswordForm,
    ForgotPasswordForm,
    NewPasswordForm,
    PasswordChangeForm,
    RegistrationCodeForm,
)
from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.accounts.nexturl import next_path
from satupintu.accounts.services import user_profile_set
from satupintu.api.throttling import page_throttle_wait
from satupintu.pages import form_refused
from satupintu.portal.forms import ProfileForm, RegistrationForm

# Session keys: the login "forgot password" was asked for, and a registration awaiting its code.
RESET_LOGIN = "password_reset_login"
PENDING = "registration_pending"
BACKEND = "satupintu.accounts.backends.NikEmailOrUsernameBackend"


def _refused(
    request: HttpRequest, template: str, context: dict, error: AccountError
) -> HttpResponse:
    if error.code == "throttled":
        messages.error(request, error.message)
        return render(request, template, context, status=429)
    form_refused(context["form"], error)
    return render(request, template, context)


def register(request: HttpRequest) -> HttpResponse:
    """A citizen opens an account with their NIK: a code goes to the phone or email they typed,
    and the account is made when they type it. A NIK that has an account gets the same answer
    (its owner is sent a claim or reset on their own channels): nobody learns it exists."""
    if request.user.is_authenticated:
        return redirect("portal:inbox")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        wait = page_throttle_wait(request, scope="register")
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            messages.error(
                request,
                ngettext(
                    "Too many sign-ups from your connection. Try again in %(minutes)d minute.",
                    "Too many sign-ups from your connection. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = render(request, "portal/register.html", {"form": form}, status=429)
            response["Retry-After"] = str(math.ceil(wait))
            return response
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = recovery.registration_start(
                full_name=data["full_name"],
                nik=data["nik"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
                language=get_language() or "id",
                birth_date=data.get("birth_date"),
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        except AccountError as refused:
            form_refused(form, refused)
        else:
            request.session[PENDING] = pending.as_session()
            target = reverse("portal:register-code")
            following = next_path(request, request.GET.get("next", ""), default="")
            return redirect(f"{target}?{urlencode({'next': following})}" if following else target)
    return render(request, "portal/register.html", {"form": form})


def register_code(request: HttpRequest) -> HttpResponse:
    """Check your phone or email: the code sent by /daftar/ opens the account."""
    pending = recovery.PendingRegistration.from_session(request.session.get(PENDING))
    if pending is None:
        return redirect("portal:register")
    form = RegistrationCodeForm(request.POST or None)
    context = {"form": form, "phone": bool(pending.phone), "email": bool(pending.email)}
    if request.method == "POST" and form.is_valid():
        try:
            user = recovery.registration_finish(pending=pending, code=form.cleaned_data["code"])
        except AccountError as wrong:
            request.session[PENDING] = pending.as_session()  # the wrong try is counted
            return _refused(request, "portal/register_code.html", context, wrong)
        del request.session[PENDING]
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome. You can now book visits and follow your cases."))
        return redirect(
            next_path(request, request.GET.get("next", ""), default=reverse("portal:home"))
        )
    return render(request, "portal/register_code.html", context)


def password_forgot(request: HttpRequest) -> HttpResponse:
    """Forgot password (lupa kata sandi): a link by email or a code by WhatsApp/SMS, the same
    answer whether or not an account matches."""
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login_typed = form.cleaned_data["login"]
        try:
            recovery.password_reset_request(login=login_typed, client=client_ip(request))
        except AccountError as refused:
            return _refused(request, "portal/password_forgot.html", {"form": form}, refused)
        request.session[RESET_LOGIN] = login_typed
        return redirect("portal:password-code")
    return render(request, "portal/password_forgot.html", {"form": form})


def password_code(request: HttpRequest) -> HttpResponse:
    """The code from WhatsApp or SMS, and the new password."""
    login_typed = request.session.get(RESET_LOGIN)
    if not login_typed:
        return redirect("portal:password-forgot")
    form = CodePasswordForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            recovery.password_set_with_code(
                login=login_typed,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password1"],
                client=client_ip(request),
            )
        except AccountError as wrong:
            return _refused(request, "portal/password_code.html", context, wrong)
        except ValidationError as weak:
            form.add_error(None, weak)
        else:
            del request.session[RESET_LOGIN]
            messages.success(request, _("Your new password is set. Sign in with it."))
            return redirect("portal:login")
    return render(request, "portal/password_code.html", context)


def claim(request: HttpRequest) -> HttpResponse:
    """A walk-in claims the account the counter made: the NIK, the code on the claim slip they
    were handed, and a password of their own. A wrong code counts like one on "forgot password"
    (the same throttle and attempts), and says nothing of whether the NIK has an account."""
    form = ClaimForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            recovery.password_set_with_code(
                login=form.cleaned_data["nik"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password1"],
                client=client_ip(request),
            )
        except AccountError as wrong:
            return _refused(request, "portal/claim.html", context, wrong)
        except ValidationError as weak:
            form.add_error(None, weak)
        else:
            messages.success(request, _("Your account is yours now. Sign in with your password."))
            return redirect("portal:login")
    return render(request, "portal/claim.html", context)


def password_link(request: HttpRequest, secret: str) -> HttpResponse:
    """The emailed link: a new password. Opening it uses nothing (mail scanners open links);
    only setting the password does."""
    try:
        recovery.link_check(secret=secret)
    except AccountError as gone:
        return render(request, "portal/password_link.html", {"gone": gone.message}, status=404)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.password_set_with_link(secret=secret, password=form.cleaned_data["password1"])
        except AccountError as gone:
            return render(request, "portal/password_link.html", {"gone": gone.message}, status=404)
        except ValidationError as weak:
            form.add_error(None, weak)
        else:
            messages.success(request, _("Your new password is set. Sign in with it."))
            return redirect("portal:login")
    response = render(request, "portal/password_link.html", {"form": form})
    response["Referrer-Policy"] = "no-referrer"  # the secret is in this page's address
    return response


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """/akun/: name, addresses, language and channels (how we reach you), and the account's
    other pages."""
    user = request.user
    channels = list(user.notification_channels)
    initial = {
        "full_name": user.get_full_name(),
        "channels": channels,
        "first": channels[0] if channels else "",
        "language": user.language,
        "email": user.email,
        "phone": user.phone,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_set(
                user=user,
                full_name=form.cleaned_data["full_name"],
                channels=form.ordered_channels(),
                language=form.cleaned_data["language"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("Saved. We will tell you the way you chose."))
            return redirect("portal:profile")
    return render(request, "portal/profile.html", {"form": form})


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new password, given the current one; this session stays, every other one ends."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login_name = request.user.get_username()
        try:
            # Guesses of the current password count like failed sign-ins.
            lockout.login_check(request=request, login=login_name)
        except lockout.LoginLocked as locked:
            form.add_error(None, locked.message)
            return render(request, "portal/password_change.html", {"form": form}, status=429)
        if not request.user.check_password(form.cleaned_data["old_password"]):
            lockout.login_failed(request=request, login=login_name, where="password change")
        try:
            recovery.password_change(
                user=request.user,
                old=form.cleaned_data["old_password"],
                new=form.cleaned_data["new_password1"],
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password is changed. Other devices are signed out."))
            return redirect("portal:profile")
    return render(request, "portal/password_change.html", {"form": form})
