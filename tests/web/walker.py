"""Walking the web app as a signed-in user, for the production-settings tests (issue #13): follow
every same-origin link breadth first from some start pages, bounded, and report any 5xx, any HTML
page without the Content-Security-Policy, and any inline script or style. Used in-process by
tests/web/test_production_walk.py and, with the real production settings module, by
tests/config/production_walk.py."""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urljoin, urlsplit

MAX_PAGES_PER_ROLE = 80
MAX_PAGES_PER_PATTERN = 2  # /people/<a>/ and /people/<b>/ are one page pattern
SKIP = ("/sign-out/", "/static/")
HREF = re.compile(r"""<a\s[^>]*?href="([^"]+)\"""", re.IGNORECASE)
STATIC_REF = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"""<style[\s>]|\sstyle=["']""", re.IGNORECASE)


def load_story() -> list[str]:
    """The demo directory, Edith and her story, the demo pool; returns the pages to start from:
    each role's home page and Edith's story, as a role would reach it from a search or a link in a
    message, so pages deeper than the home page's links are served (or refused) too."""
    from django.utils import timezone

    from caretrust.assessments.models import Assessment
    from caretrust.careplans.models import CarePlan
    from caretrust.demo.scenario import load_demo_scenario
    from caretrust.funding.demo import load_demo_pool
    from caretrust.organisations.demo import load_demo_organisations
    from caretrust.portal.demo import load_demo_people
    from caretrust.referrals.models import Referral

    load_demo_organisations()
    edith = load_demo_people()
    load_demo_pool(timezone.localdate())
    load_demo_scenario()
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


def walk(client, starts: list[str], origin: str) -> tuple[dict[str, int], set[str], list[str]]:
    """Breadth first from `starts`; returns status by URL, static URLs named, problems."""
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
            if location.startswith(origin):
                location = location[len(origin) :]
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


def check_statics(client, statics: set[str]) -> list[str]:
    """Every static file a page named is served, under a hashed name from the manifest."""
    problems = []
    for url in sorted(statics):
        if not re.search(r"\.[0-9a-f]{12}\.", url):
            problems.append(f"{url}: not a hashed name")
        status = client.get(url).status_code
        if status != 200:
            problems.append(f"{url}: {status}")
    return problems
