"""Forwarded headers believed only from TRUSTED_PROXIES; the Content-Security-Policy on every page,
with no inline script and charts without inline styles (issue #13, ADR 45)."""

from __future__ import annotations

import ipaddress
import re

import pytest
from django.test import Client

from caretrust.web.commands import _waitress_proxy_options
from caretrust.web.jinja2 import csp_safe_svg
from caretrust.web.middleware import apply_forwarded_headers

PROXY = (ipaddress.ip_network("10.0.0.5"), ipaddress.ip_network("192.168.0.0/24"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_headers_from_an_untrusted_address_are_removed() -> None:
    meta = {
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1",
        "HTTP_FORWARDED": "for=198.51.100.1;proto=https",
    }
    apply_forwarded_headers(meta, PROXY)
    assert meta == {"REMOTE_ADDR": "203.0.113.9"}


def test_no_trusted_proxies_means_no_forwarded_headers_at_all() -> None:
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_PROTO": "https"}
    apply_forwarded_headers(meta, ())
    assert meta == {"REMOTE_ADDR": "10.0.0.5"}


def test_a_trusted_proxy_gives_the_scheme_and_the_client_address() -> None:
    meta = {
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_X_FORWARDED_PROTO": "https",
        # the client wrote the first entry itself; our proxies appended the rest
        "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7, 192.168.0.20",
    }
    apply_forwarded_headers(meta, PROXY)
    assert meta["REMOTE_ADDR"] == "198.51.100.7"
    assert meta["HTTP_X_FORWARDED_PROTO"] == "https"


def test_garbage_in_the_chain_keeps_the_proxy_address() -> None:
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "not-an-address"}
    apply_forwarded_headers(meta, PROXY)
    assert meta["REMOTE_ADDR"] == "10.0.0.5"


@pytest.mark.parametrize(("trusted", "secure"), [((), False), (("127.0.0.1",), True)])
def test_django_sees_https_only_through_a_trusted_proxy(
    settings, demo_directory, trusted, secure
) -> None:
    settings.TRUSTED_PROXIES = tuple(ipaddress.ip_network(a) for a in trusted)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client(HTTP_X_FORWARDED_PROTO="https").get("/sign-in/")
    if secure:
        assert response.status_code == 200
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    else:  # a client claiming HTTPS is not believed: redirected to HTTPS
        assert response.status_code == 301
        assert response["Location"].startswith("https://")


def test_waitress_is_told_one_proxy_address_and_nothing_wider() -> None:
    options = _waitress_proxy_options(("10.0.0.5/32",))
    assert options["trusted_proxy"] == "10.0.0.5"
    assert options["trusted_proxy_headers"] == {"x-forwarded-proto", "x-forwarded-for"}
    assert _waitress_proxy_options(("10.0.0.0/24",)) == {}
    assert _waitress_proxy_options(("10.0.0.5/32", "10.0.0.6/32")) == {}
    assert _waitress_proxy_options(()) == {}


@pytest.mark.parametrize("username", ["coordinator", "analyst", "privacy", "edith"])
def test_pages_carry_the_policy_and_no_inline_script(client, demo_directory, username) -> None:
    from caretrust.organisations.demo import DEMO_PASSWORD

    for url in ("/sign-in/", "/about/"):
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not INLINE_SCRIPT.search(response.content.decode())
    client.post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})
    response = client.get("/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ):
        assert directive in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert "js-enabled" in html  # the script that sets the class is a file now


def test_charts_lose_their_inline_styles_but_keep_their_colours() -> None:
    from caretrust.population.charts import xmr_chart
    from caretrust.population.spc import xmr

    values = [10, 12, 11, 13, 30, 12, 11, 10, 9, 12, 11, 13, 12, 10]
    result = xmr(values, improvement="lower")
    svg = xmr_chart(result, [f"M{i}" for i in range(len(values))], title="Falls").decode()
    svg = svg[svg.index("<svg") :]
    assert "style=" in svg  # matplotlib's own output would be blocked by style-src 'self'
    safe = str(csp_safe_svg(svg))
    assert "style=" not in safe and "<style" not in safe
    assert 'stroke-linejoin="round"' in safe  # the universal rule, on the root element
    assert re.search(r'fill="#[0-9a-f]{6}"', safe)
    assert safe.startswith("<svg")
