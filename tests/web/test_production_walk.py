"""Production settings serve every page (issue #13). The static files are built into a temporary
STATIC_ROOT by collectstatic with the production storage (hashed names and a manifest), then each
demo role signs in and follows every same-origin link from its home page, breadth first, through a
trusted proxy that says HTTPS. No page may answer 5xx; every page carries the Content-Security-Policy
and no inline script; every static file a page names is served from the built copy."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from caretrust.organisations.demo import DEMO_PASSWORD, USERS
from tests.web.walker import INLINE_SCRIPT, check_statics, load_story, walk


def production_like(static_root) -> dict:
    """The production module's values that change how pages are served (settings/production.py
    itself cannot be imported into a running test process; tests/config/test_serving.py runs the
    real module in a subprocess)."""
    return {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["testserver"],
        "STATIC_ROOT": static_root,
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        "WHITENOISE_AUTOREFRESH": False,
        "WHITENOISE_USE_FINDERS": False,
        "TRUSTED_PROXIES": (ipaddress.ip_network("127.0.0.1"),),
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


@pytest.fixture(scope="module")
def built_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with override_settings(**production_like(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (root / "staticfiles.json").exists()
    return root


@pytest.fixture
def demo_story(db) -> list[str]:
    starts = load_story()
    cache.clear()
    return starts


@pytest.mark.parametrize("username", [user.username for user in USERS])
@pytest.mark.slow
def test_production_settings_serve_every_page_each_role_reaches(
    built_static, demo_story, username
) -> None:
    with override_settings(**production_like(built_static)):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        signed_in = client.post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, signed_in.content.decode()[:500]
        seen, statics, problems = walk(client, demo_story, "https://testserver")
        assert problems == []
        assert len(seen) >= 10, seen
        assert sum(status == 200 for status in seen.values()) >= 3, seen
        assert any("/static/nhsuk/caretrust." in url for url in statics)
        assert check_statics(client, statics) == []


def test_the_sign_in_page_and_about_page_serve_without_sign_in(built_static, db) -> None:
    with override_settings(**production_like(built_static)):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        for url in ("/sign-in/", "/about/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Strict-Transport-Security"].startswith("max-age=31536000")
            assert not INLINE_SCRIPT.search(response.content.decode())
