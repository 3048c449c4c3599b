"""Pages of the second factor: give it after the password, or set it up (with a QR code)."""

from base64 import b32encode

import django_otp
import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from satupintu.accounts import lockout, services, twofactor
from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.accounts.nexturl import next_path


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or a recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return next_path(request, target, default=reverse("portal:home"))


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator or a recovery code."""
    if not django_otp.user_has_device(request.user):
        return redirect(f"{reverse('portal:two-factor-enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login = request.user.get_username()
        try:
            lockout.login_check(request=request, login=login)
        except lockout.LoginLocked as locked:
            form.add_error("code", locked.message)
        else:
            device = django_otp.match_token(request.user, form.cleaned_data["code"].strip())
            if device is None:
                lockout.login_failed(request=request, login=login, where="second factor")
                form.add_error("code", _("That code is not right. Try again."))
            else:
                lockout.login_succeeded(login=login)
                django_otp.login(request, device)
                return redirect(_next(request))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _next(request)})


@login_required
def two_factor_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, type its first code, keep the recovery
    codes. Someone who has one already must give it first (then may set up a new phone)."""
    verified = request.user.is_verified()  # type: ignore[attr-defined]  # OTPMiddleware adds it
    if django_otp.user_has_device(request.user) and not verified:
        return redirect(f"{reverse('portal:two-factor')}?{request.GET.urlencode()}")
    if request.method == "POST" and request.POST.get("action") == "recovery":
        codes = services.recovery_codes_renew(user=request.user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/"})
    device = services.totp_enrol_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrol_confirm(device=device, code=form.cleaned_data["code"])
        except ValidationError as wrong:
            form.add_error(None, wrong)
        else:
            django_otp.login(request, TOTPDevice.objects.get(pk=device.pk))
            request.session[twofactor.NEEDED] = True
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
    context = {
        "form": form,
        "next": _next(request),
        "qr": segno.make(device.config_url).svg_data_uri(scale=4),
        "secret": b32encode(device.bin_key).decode(),
        "enrolled": django_otp.user_has_device(request.user),
    }
    return render(request, "accounts/two_factor_enrol.html", context)
