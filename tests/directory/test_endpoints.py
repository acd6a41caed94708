"""The read-only Open Referral UK API: the shapes ORUK clients expect, pagination and filters,
no sign-in needed, and rate-safe."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

HEADER = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"]


@pytest.fixture(autouse=True)
def _fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def test_the_api_info_gives_version_and_profile(client, demo_directory) -> None:
    response = client.get("/oruk/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["version"] == "3.0"
    assert body["profile"] == "https://ref.openreferral.org/uk/3.0"
    assert body["openapi_url"].endswith("openapi.json")


def test_services_is_an_oruk_page_of_services(client, demo_directory) -> None:
    body = client.get("/oruk/services").json()

    assert list(body) == [*HEADER, "contents"]
    assert {k: body[k] for k in HEADER} == {
        "total_items": 4,
        "total_pages": 1,
        "page_number": 1,
        "size": 50,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    names = [s["name"] for s in body["contents"]]
    assert names == sorted(names)
    befriending = next(s for s in body["contents"] if s["name"].startswith("Telephone"))
    assert befriending["status"] == "active"
    assert befriending["minimum_age"] == 60
    assert befriending["organization"]["name"] == "Bayside Age Friendly Network"
    assert befriending["last_modified"].startswith("2026-10-12T09:30:00")


def test_pages_and_per_page(client, demo_directory) -> None:
    first = client.get("/oruk/services", {"per_page": 3}).json()
    second = client.get("/oruk/services", {"per_page": 3, "page": 2}).json()
    beyond = client.get("/oruk/services", {"per_page": 3, "page": 3}).json()

    assert (first["total_pages"], first["first_page"], first["last_page"]) == (2, True, False)
    assert len(first["contents"]) == 3 and first["size"] == 3
    assert (second["page_number"], second["first_page"], second["last_page"]) == (2, False, True)
    assert len(second["contents"]) == 1
    names = {s["name"] for s in first["contents"]} | {s["name"] for s in second["contents"]}
    assert len(names) == 4
    assert beyond["empty"] is True and beyond["contents"] == []


def test_text_filters_on_every_word(client, demo_directory) -> None:
    falls = client.get("/oruk/services", {"text": "balance falls"}).json()
    nothing = client.get("/oruk/services", {"text": "skydiving"}).json()

    assert [s["name"] for s in falls["contents"]] == ["Steady Steps falls prevention classes"]
    assert falls["total_items"] == 1
    assert (nothing["total_items"], nothing["total_pages"], nothing["empty"]) == (0, 0, True)


def test_bad_parameters_are_a_400_naming_them(client, demo_directory) -> None:
    assert client.get("/oruk/services", {"page": "0"}).json() == {
        "error": "page must be a whole number from 1"
    }
    assert client.get("/oruk/services", {"per_page": "x"}).status_code == 400
    too_many = client.get("/oruk/services", {"per_page": "1000"})
    assert too_many.status_code == 400
    assert too_many.json() == {"error": "per_page must be at most 100"}


def test_one_service_in_full(client, demo_directory) -> None:
    listed = client.get("/oruk/services", {"text": "falls"}).json()["contents"][0]

    body = client.get(f"/oruk/services/{listed['id']}").json()

    assert body["id"] == listed["id"]
    assert body["organization"]["id"] == listed["organization"]["id"]
    assert [c["phones"][0]["number"] for c in body["contacts"]] == ["01803 555 0301"]
    assert sorted(s["byday"] for s in body["schedules"]) == ["TH", "TU"]
    assert [sal["location"]["name"] for sal in body["service_at_locations"]] == [
        "Brixham community centre",
        "Age Friendly Hub",
    ]
    assert body["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == ("TQ5 8XX")
    assert [a["taxonomy_term"]["name"] for a in body["attributes"]] == [
        "Falls prevention",
        "Exercise and keeping active",
    ]
    assert client.get("/oruk/services/no-such-service").status_code == 404


def test_read_only_and_rate_safe(client, demo_directory, settings) -> None:
    assert client.post("/oruk/services").status_code == 405
    settings.CARETRUST_ORUK_REQUESTS_PER_MINUTE = 3
    answers = [client.get("/oruk/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/oruk/services")
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
