"""Web pages answer bad query and path parameters with 400 or 404, never 500 (issue 13): every
URL pattern is requested by each demo role with malformed ids and a set of malformed query
parameters."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db
ROLES = [
    "coordinator",
    "ot",
    "socialworker",
    "gp",
    "finance",
    "analyst",
    "privacy",
    "admin",
    "edith",
    "susan",
]
QUERY = (
    "top=abc&page=abc&date=abc&version=abc&sort=zzz&view=zzz&urgency=zzz&source=zzz&area=zzz"
    "&practice=%00&person=not-a-uuid&user=%00&type=%00&sector=%00&q=%00"
)
BAD_VALUES = {
    "int": ["99999999999999999999", "0"],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
    "str": ["x%00y", "nobody", "a" * 300],
    "path": ["x%00y"],
    "slug": ["x"],
}


def _patterns(resolver=None, prefix: str = "") -> list[tuple[str, dict]]:
    resolver = resolver or get_resolver()
    out = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            out.extend(_patterns(entry, route))
        elif isinstance(entry, URLPattern):
            out.append((route, getattr(entry.pattern, "converters", {})))
    return out


def _urls() -> list[str]:
    urls = []
    for route, converters in _patterns():
        if route.startswith(("fhir/", "static/", "^")) or "(?P" in route:
            continue
        variants = [route]
        for name, converter in converters.items():
            kind = type(converter).__name__.removesuffix("Converter").lower()
            values = BAD_VALUES.get(kind, ["x"])
            variants = [v.replace(f"<{kind}:{name}>", value) for v in variants for value in values]
        urls.extend("/" + v for v in variants)
    return urls


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.slow
def test_no_page_answers_500_to_bad_parameters(demo_directory, role) -> None:
    from caretrust.organisations.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=role))
    failures = []
    for url in _urls():
        for method in ("GET", "POST"):
            response = client.generic(method, f"{url}?{QUERY}", data=b"version=abc&date=x%00")
            if response.status_code >= 500:
                exc = getattr(response, "exc_info", None)
                failures.append(f"{method} {url}: {response.status_code} {exc and exc[1]!r}")
    assert failures == []


def test_case_finding_top_that_is_not_a_number_is_400(demo_directory) -> None:
    from caretrust.organisations.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="gp"))
    response = client.get("/outcomes/case-finding/?top=abc")
    assert response.status_code == 400
    assert b"top" in response.content


def test_a_nul_in_a_page_query_is_400_naming_it(demo_directory) -> None:
    from caretrust.organisations.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="privacy"))
    response = client.get("/privacy/audit/?person=a%00b")
    assert response.status_code == 400
    assert b"person contains a NUL character" in response.content
    assert b"nhsuk-header" in response.content or b"nhsuk" in response.content


def test_a_malformed_uuid_in_a_page_address_is_404(client, user_for) -> None:
    client.force_login(user_for("coordinator"))
    assert client.get("/people/not-a-uuid/").status_code == 404
    assert client.get("/care-plans/1234/").status_code == 404


def test_a_nul_in_a_posted_form_is_400(demo_directory) -> None:
    from caretrust.organisations.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="privacy"))
    response = client.post("/privacy/break-glass/1/review/", {"notes": "a\x00b", "outcome": "x"})
    assert response.status_code == 400
    assert b"notes contains a NUL character" in response.content
