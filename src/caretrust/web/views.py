"""Sign-in, sign-out and each role's home page. Views stay thin: decisions live in `access.policy`,
writes in services, and page data in presenters."""

from __future__ import annotations

import base64

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from caretrust.access import audit, throttle
from caretrust.access.middleware import client_address
from caretrust.access.models import AuditEvent
from caretrust.web.forms import SecondFactorForm, ThrottledAuthenticationForm
from caretrust.web.middleware import needs_second_factor, second_factor_exempt
from caretrust.web.presenters import home_page_for


class SignInView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "web/sign_in.jinja"
    redirect_authenticated_user = True
    extra_context = {"page_title": "Sign in"}


sign_in = login_not_required(SignInView.as_view())


@second_factor_exempt
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


def home(request: HttpRequest) -> HttpResponse:
    page = home_page_for(request.user)
    return render(request, page.template, {"page": page, "page_title": page.title})


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "web/about.jinja", {"page_title": "About caretrust"})


# The second factor (ADR 45). With CARETRUST_REQUIRE_TOTP, `SecondFactorMiddleware` sends staff
# here after their password until they have entered a code from their authenticator app.


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _audit_second_factor(request: HttpRequest, *, passed: bool, step: str) -> None:
    # Recorded as a sign-in (passed) or a failed sign-in, with the step in the details: the audit
    # log's actions are fixed in access.models (ADR 45).
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.SIGN_IN if passed else AuditEvent.Action.SIGN_IN_FAILED,
        obj=request.user,
        details={"second_factor": "passed" if passed else "failed", "step": step},
    )


def _check_code(request: HttpRequest, form: SecondFactorForm, device, *, step: str) -> bool:
    """Verify the code against the member of staff's authenticator, throttled like passwords (and
    by django-otp's own growing delay after each wrong code); a code is accepted once only."""
    username, address = request.user.get_username(), client_address(request)
    if throttle.is_locked(username, address, scope="totp"):
        form.add_error(None, ThrottledAuthenticationForm.error_messages["locked"])
        return False
    if not form.is_valid():
        return False
    verified = django_otp.verify_token(
        request.user, device.persistent_id, form.cleaned_data["code"]
    )
    _audit_second_factor(request, passed=verified is not None, step=step)
    if verified is None:
        throttle.record_failure(username, address, scope="totp")
        form.add_error("code", "The code is not right: enter the code your app shows now")
        return False
    throttle.clear_user(username, address, scope="totp")
    if not verified.confirmed:
        verified.confirmed = True
        verified.save(update_fields=["confirmed"])
    django_otp.login(request, verified)
    return True


@second_factor_exempt
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the code from the member of staff's authenticator app."""
    if not needs_second_factor(request.user) or request.user.is_verified():
        return redirect(_next_url(request))
    device = next(iter(django_otp.devices_for_user(request.user, confirmed=True)), None)
    if device is None:
        return redirect("web:second_factor_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and _check_code(request, form, device, step="verify"):
        return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request), "page_title": "Enter your security code"}
    return render(request, "web/second_factor.jinja", context)


@second_factor_exempt
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show its secret as a QR code and as text, then check a code.

    Only while the account has no confirmed authenticator: replacing one is an administrator's job
    (`caretrust manage reset_authenticator USERNAME --reason ...`), so a stolen password alone can
    never enrol a new authenticator on an enrolled account."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not request.user.is_authenticated or request.user.role in {"person", "carer"}:
        return redirect("web:home")
    if any(True for _ in django_otp.devices_for_user(request.user, confirmed=True)):
        return redirect("web:second_factor")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator", confirmed=False)
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.CREATE,
            obj=device,
            details={"second_factor": "enrolment started"},
        )
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and _check_code(request, form, device, step="enrol"):
        return redirect(_next_url(request))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    uri = device.config_url
    qr = segno.make(uri, error="m")
    context = {
        "form": form,
        "next": _next_url(request),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "otpauth_uri": uri,
        "qr_data_uri": qr.svg_data_uri(scale=5, dark="#212b32", light="#ffffff"),
        "page_title": "Set up your authenticator app",
    }
    return render(request, "web/second_factor_setup.jinja", context)
