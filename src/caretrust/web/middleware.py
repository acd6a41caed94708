"""Middleware for serving in production: trusted proxy headers, Content-Security-Policy, and the
second sign-in factor for staff (ADR 45)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

# Headers a client could forge to pretend it came over TLS or from another address.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_trusted_proxy(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def apply_forwarded_headers(meta: dict, networks: Iterable[Network]) -> None:
    """From a trusted proxy: take the client address from X-Forwarded-For (the right-most address
    that is not itself a trusted proxy) and keep X-Forwarded-Proto for SECURE_PROXY_SSL_HEADER.
    From anyone else: remove every forwarding header, so a client cannot claim HTTPS or an address.
    """
    networks = tuple(networks)
    if not networks or not is_trusted_proxy(meta.get("REMOTE_ADDR", ""), networks):
        for header in FORWARDED_HEADERS:
            meta.pop(header, None)
        return
    chain = [item.strip() for item in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([item for item in chain if item]):
        if is_trusted_proxy(address, networks):
            continue
        try:
            ipaddress.ip_address(address)
        except ValueError:
            break  # garbage from the client's side of the chain: keep the proxy's address
        meta["REMOTE_ADDR"] = address
        break


class TrustedProxyMiddleware:
    """Believe X-Forwarded-Proto and X-Forwarded-For only from TRUSTED_PROXIES.

    `caretrust serve` tells waitress and gunicorn the same proxies; this keeps any other WSGI server
    (or a misconfigured one) from passing a client's forged header through to Django."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = tuple(getattr(settings, "TRUSTED_PROXIES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        apply_forwarded_headers(request.META, self.networks)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send CONTENT_SECURITY_POLICY on every response (Django 5.2 has no built-in CSP; ADR 45)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class ResolvedUserMiddleware:
    """Replace the lazy `request.user` with the user it stands for.

    AuthenticationMiddleware and django-otp's OTPMiddleware each wrap the user in a lazy proxy, so
    every `request.user.x` went through two of them (about 3,000 proxied look-ups on a home page,
    each raising and catching an AttributeError: ADR 130). Every page but a few public ones reads
    the user anyway (LoginRequiredMiddleware), so nothing is loaded that would not have been."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = resolved(request.user)
        return self.get_response(request)


def resolved(user):
    """The object behind any number of lazy proxies (`SimpleLazyObject`)."""
    from django.utils.functional import LazyObject, empty

    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def second_factor_exempt(view: Callable) -> Callable:
    """Mark a view a signed-in member of staff may reach before their second factor."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


def needs_second_factor(user) -> bool:
    """Staff (every role but the person receiving care and their carer) when the setting is on."""
    return bool(
        settings.CARETRUST_REQUIRE_TOTP
        and user.is_authenticated
        and getattr(user, "role", "") not in {"person", "carer"}
    )


class SecondFactorMiddleware:
    """With CARETRUST_REQUIRE_TOTP, staff signed in with their password reach only the second-factor
    pages (enrol, verify) and sign-out until they have entered a code from their authenticator."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs):
        if not needs_second_factor(request.user) or request.user.is_verified():
            return None
        if getattr(view_func, "second_factor_exempt", False) or not getattr(
            view_func, "login_required", True
        ):
            return None
        from django_otp import devices_for_user

        enrolled = any(True for _ in devices_for_user(request.user, confirmed=True))
        target = reverse("web:second_factor" if enrolled else "web:second_factor_setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
