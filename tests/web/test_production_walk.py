"""Production settings serve every page (issue #13). The static files are built into a temporary
STATIC_ROOT by collectstatic with the production storage (hashed names and a manifest), then each
demo role signs in and follows every same-origin link from its home page, breadth first, through a
trusted proxy that says HTTPS. No page may answer 5xx; every page carries the Content-Security-Policy
and no inline script; every static file a page names is served from the built copy."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter, deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from caretrust.organisations.demo import DEMO_PASSWORD, USERS

MAX_PAGES_PER_ROLE = 80
MAX_PAGES_PER_PATTERN = 2  # /people/1/ and /people/2/ are one page pattern
SKIP = ("/sign-out/", "/static/")
HREF = re.compile(r"""<a\s[^>]*?href="([^"]+)\"""", re.IGNORECASE)
STATIC_REF = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"""<style[\s>]|\sstyle=["']""", re.IGNORECASE)


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
def demo_story(demo_directory):
    from django.utils import timezone

    from caretrust.assessments.models import Assessment
    from caretrust.careplans.models import CarePlan
    from caretrust.funding.demo import load_demo_pool
    from caretrust.portal.demo import load_demo_people
    from caretrust.referrals.models import Referral
    from caretrust.web.demo_scenario import load_demo_scenario

    edith = load_demo_people()
    load_demo_pool(timezone.localdate())
    load_demo_scenario()
    cache.clear()
    # Edith's story, as each role would reach it from a search or a link in a message: the walk
    # starts here too, so pages deeper than the home page's links are served (or refused) as well.
    referral = Referral.objects.filter(person=edith).first()
    return [
        "/",
        f"/people/{edith.ref}/",
        f"/people/{edith.ref}/about-me/",
        "/people/?q=Smith",
        f"/referrals/{referral.reference}/",
        *[f"/assessments/{a.uuid}/" for a in Assessment.objects.filter(referral=referral)],
        *[f"/care-plans/{p.uuid}/" for p in CarePlan.objects.filter(person=edith)],
        "/my-care/",
        "/privacy/audit/",
        "/privacy/break-glass/",
        "/outcomes/",
        "/funding/pools/",
    ]


def _pattern(path: str) -> str:
    return re.sub(r"[0-9a-f]{8,}|\d+", "N", path)


def walk(client: Client, starts: list[str]) -> tuple[dict[str, int], set[str], list[str]]:
    """Breadth first from the start pages; returns status by URL, static URLs named, problems."""
    seen: dict[str, int] = {}
    statics: set[str] = set()
    problems: list[str] = []
    patterns: Counter[str] = Counter()
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen or patterns[_pattern(urlsplit(url).path)] >= MAX_PAGES_PER_PATTERN:
            continue
        patterns[_pattern(urlsplit(url).path)] += 1
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code in {301, 302, 303, 307, 308}:
            location = response["Location"]
            if location.startswith("https://testserver"):
                location = location[len("https://testserver") :]
            if location.startswith("/"):
                queue.append(location)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        if "Content-Security-Policy" not in response:
            problems.append(f"{url}: no Content-Security-Policy")
        html = response.content.decode()
        if INLINE_SCRIPT.search(html):
            problems.append(f"{url}: inline <script>")
        if INLINE_STYLE.search(html):
            problems.append(f"{url}: inline style")
        statics.update(STATIC_REF.findall(html))
        for href in HREF.findall(html):
            target, _ = urldefrag(urljoin(url, href.replace("&amp;", "&")))
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/"):
                continue  # another origin, mailto:, tel:
            if not target.startswith(SKIP) and target not in seen:
                queue.append(target)
    return seen, statics, problems


@pytest.mark.parametrize("username", [user.username for user in USERS])
def test_production_settings_serve_every_page_each_role_reaches(
    built_static, demo_story, username
) -> None:
    with override_settings(**production_like(built_static)):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        signed_in = client.post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, signed_in.content.decode()[:500]
        seen, statics, problems = walk(client, demo_story)
        assert problems == []
        assert len(seen) >= 10, seen
        assert sum(status == 200 for status in seen.values()) >= 3, seen
        assert any("/static/nhsuk/caretrust." in url for url in statics)
        for url in sorted(statics):
            response = client.get(url)
            assert response.status_code == 200, url
            assert re.search(r"\.[0-9a-f]{12}\.", url), f"{url} is not a hashed name"


def test_the_sign_in_page_and_about_page_serve_without_sign_in(built_static, db) -> None:
    with override_settings(**production_like(built_static)):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        for url in ("/sign-in/", "/about/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Strict-Transport-Security"].startswith("max-age=31536000")
            assert not INLINE_SCRIPT.search(response.content.decode())
