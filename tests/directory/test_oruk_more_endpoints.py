"""The rest of the read-only Open Referral UK API (ADR 118): organizations, service_at_locations,
taxonomies and taxonomy terms, each a page in the ORUK shape and each one by id, checked against
the HSDS 3.0 / ORUK 3.0 definitions (openreferral/specification schema/openapi.json and the
schemas it references: the required fields below are theirs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.cache import cache

from caretrust.directory import selectors

pytestmark = pytest.mark.django_db

HEADER = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"]
FEED = Path(__file__).parents[2] / "src/caretrust/directory/demo_data/bayside_services.json"
# HSDS 3.0 `required` lists: organization.json, service.json, service_at_location.json,
# location.json, taxonomy.json, taxonomy_term.json (and the UK profile's term: id, taxonomy).
REQUIRED = {
    "organization": {"id", "name", "description"},
    "service": {"id", "name", "status"},
    "service_at_location": {"id"},
    "location": {"id", "location_type"},
    "taxonomy": {"id", "name", "description"},
    "taxonomy_term": {"id", "name", "description", "taxonomy"},
}


@pytest.fixture(autouse=True)
def _fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def _feed() -> list[dict]:
    return json.loads(FEED.read_text())


def _feed_terms() -> dict[str, dict]:
    return {a["taxonomy_term"]["id"]: a["taxonomy_term"] for s in _feed() for a in s["attributes"]}


def _has(item: dict, kind: str) -> None:
    missing = REQUIRED[kind] - {k for k, v in item.items() if v is not None}
    assert not missing, f"{kind} lacks {missing}"


def test_organizations_page_and_one_with_its_services(client, demo_directory) -> None:
    body = client.get("/oruk/organizations").json()

    assert list(body) == [*HEADER, "contents"]
    feed_orgs = {s["organization"]["id"]: s["organization"] for s in _feed()}
    assert body["total_items"] == len(feed_orgs)
    assert {o["id"] for o in body["contents"]} == set(feed_orgs)
    for org in body["contents"]:
        _has(org, "organization")
        assert org["name"] == feed_orgs[org["id"]]["name"]
        assert "services" not in org

    network = next(s["organization"]["id"] for s in _feed() if "Age Friendly" in str(s))
    one = client.get(f"/oruk/organizations/{network}").json()
    runs = {s["id"] for s in _feed() if s["organization"]["id"] == network}
    assert {s["id"] for s in one["services"]} == runs
    for service in one["services"]:
        _has(service, "service")
        assert service["organization_id"] == network
        assert "contacts" not in service
    full = client.get(f"/oruk/organizations/{network}", {"full_service": "true"}).json()
    assert all("contacts" in s and "service_at_locations" in s for s in full["services"])


def test_organizations_filter_by_search_and_taxonomy_term(client, demo_directory) -> None:
    carers = next(s for s in _feed() if s["attributes"][0]["taxonomy_term"]["code"] == "carers")
    term_id = carers["attributes"][0]["taxonomy_term"]["id"]

    by_term = client.get("/oruk/organizations", {"taxonomy_term_id": term_id}).json()
    nothing = client.get("/oruk/organizations", {"search": "skydiving"}).json()

    assert [o["id"] for o in by_term["contents"]] == [carers["organization"]["id"]]
    assert (nothing["total_items"], nothing["empty"]) == (0, True)


def test_service_at_locations_page_and_one(client, demo_directory) -> None:
    feed_sals = {
        sal["id"]: (s["id"], sal["location"]["id"])
        for s in _feed()
        for sal in s["service_at_locations"]
    }

    first = client.get("/oruk/service_at_locations", {"per_page": 2}).json()
    rest = client.get("/oruk/service_at_locations", {"per_page": 2, "page": 2}).json()

    assert first["total_items"] == len(feed_sals) and first["size"] == 2
    assert first["total_pages"] == -(-len(feed_sals) // 2)
    assert (first["first_page"], first["last_page"]) == (True, first["total_pages"] == 1)
    seen = first["contents"] + rest["contents"]
    assert len({s["id"] for s in seen}) == len(seen)
    for sal in seen:
        _has(sal, "service_at_location")
        _has(sal["location"], "location")
        _has(sal["service"], "service")
        assert (sal["service_id"], sal["location_id"]) == feed_sals[sal["id"]]

    sal_id = seen[0]["id"]
    one = client.get(f"/oruk/service_at_locations/{sal_id}").json()
    assert one["id"] == sal_id and one["service"]["id"] == feed_sals[sal_id][0]
    assert "contacts" in one["service"] and "schedules" in one["service"]


def test_service_at_locations_filter_by_organization(client, demo_directory) -> None:
    service = _feed()[0]
    org = service["organization"]["id"]
    expected = {
        sal["id"]
        for s in _feed()
        if s["organization"]["id"] == org
        for sal in s["service_at_locations"]
    }

    body = client.get("/oruk/service_at_locations", {"organization_id": org}).json()

    assert {s["id"] for s in body["contents"]} == expected


def test_taxonomy_terms_are_the_feeds_terms(client, demo_directory) -> None:
    feed_terms = _feed_terms()

    body = client.get("/oruk/taxonomy_terms").json()

    assert list(body) == [*HEADER, "contents"]
    assert body["total_items"] == len(feed_terms)
    for term in body["contents"]:
        _has(term, "taxonomy_term")
        sent = feed_terms[term["id"]]
        assert (term["name"], term["code"], term["taxonomy"]) == (
            sent["name"],
            sent["code"],
            sent["taxonomy"],
        )
        assert term["term"] == term["name"]  # the UK profile's name for it
        assert term["taxonomy_id"] == selectors.derived_taxonomy_id(sent["taxonomy"])

    term_id = next(iter(feed_terms))
    one = client.get(f"/oruk/taxonomy_terms/{term_id}").json()
    assert one["id"] == term_id
    assert one["taxonomy_detail"]["name"] == feed_terms[term_id]["taxonomy"]


def test_taxonomy_term_filters(client, demo_directory) -> None:
    feed_terms = _feed_terms()
    taxonomy_id = selectors.derived_taxonomy_id("Bayside local categories")

    def names(**params) -> list[str]:
        return [t["name"] for t in client.get("/oruk/taxonomy_terms", params).json()["contents"]]

    assert len(names(taxonomy_id=taxonomy_id)) == len(feed_terms)
    assert names(taxonomy_id="no-such-taxonomy") == []
    assert len(names(top_only="true")) == len(feed_terms)  # the demo's terms are all top level
    assert names(parent_id="no-such-term") == []
    assert names(vocabulary="bayside local categories") == sorted(
        (t["name"] for t in feed_terms.values()), key=str.lower
    )
    assert names(term="falls prevention") == ["Falls prevention"]
    assert names(search="lunch") == ["Lunch clubs"]


def test_parent_and_top_only_follow_the_feeds_hierarchy(client, demo_directory, tmp_path) -> None:
    from caretrust.directory.importer import import_feed

    feed = _feed()[:1]
    parent = feed[0]["attributes"][0]["taxonomy_term"]
    feed[0]["id"] = "child-service"
    feed[0]["attributes"] = [
        {
            "id": "attr-child",
            "taxonomy_term_id": "term-child",
            "taxonomy_term": {
                "id": "term-child",
                "name": "Telephone befriending",
                "parent_id": parent["id"],
                "taxonomy": parent["taxonomy"],
            },
        }
    ]
    path = tmp_path / "child.json"
    path.write_text(json.dumps(feed))
    assert import_feed(path).committed

    children = client.get("/oruk/taxonomy_terms", {"parent_id": parent["id"]}).json()
    top = client.get("/oruk/taxonomy_terms", {"top_only": "true"}).json()

    assert [t["id"] for t in children["contents"]] == ["term-child"]
    assert "term-child" not in {t["id"] for t in top["contents"]}
    assert parent["id"] in {t["id"] for t in top["contents"]}


def test_taxonomies_page_and_one(client, demo_directory) -> None:
    body = client.get("/oruk/taxonomies").json()

    assert list(body) == [*HEADER, "contents"]
    assert body["total_items"] == 1
    taxonomy = body["contents"][0]
    _has(taxonomy, "taxonomy")
    assert taxonomy["name"] == "Bayside local categories"
    assert client.get(f"/oruk/taxonomies/{taxonomy['id']}").json() == taxonomy


def test_services_filter_by_taxonomy_term_id_and_taxonomy_id(client, demo_directory) -> None:
    feed = _feed()
    loneliness = next(
        a["taxonomy_term"]["id"]
        for s in feed
        for a in s["attributes"]
        if a["taxonomy_term"]["code"] == "loneliness"
    )
    expected = {
        s["id"] for s in feed if loneliness in {a["taxonomy_term_id"] for a in s["attributes"]}
    }

    by_term = client.get("/oruk/services", {"taxonomy_term_id": loneliness}).json()
    by_taxonomy = client.get(
        "/oruk/services",
        {"taxonomy_id": selectors.derived_taxonomy_id("Bayside local categories")},
    ).json()
    by_search = client.get("/oruk/services", {"search": "balance falls"}).json()

    assert len(expected) == 2
    assert {s["id"] for s in by_term["contents"]} == expected
    assert by_term["total_items"] == 2
    assert by_taxonomy["total_items"] == len(feed)
    assert [s["name"] for s in by_search["contents"]] == ["Steady Steps falls prevention classes"]
    assert client.get("/oruk/services", {"taxonomy_term_id": "nope"}).json()["empty"] is True


@pytest.mark.parametrize(
    "path",
    [
        "/oruk/services/nope",
        "/oruk/organizations/nope",
        "/oruk/service_at_locations/nope",
        "/oruk/taxonomies/nope",
        "/oruk/taxonomy_terms/nope",
    ],
)
def test_an_unknown_id_is_a_json_404(client, demo_directory, path) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"].startswith("No ")


def test_unsupported_parameters_are_refused_by_name(client, demo_directory) -> None:
    proximity = client.get("/oruk/service_at_locations", {"postcode": "TQ1 3XX"})
    assert proximity.status_code == 400
    assert proximity.json()["error"].startswith("postcode is not supported here")
    assert client.get("/oruk/taxonomy_terms", {"top_only": "maybe"}).json() == {
        "error": "top_only must be true or false"
    }
    assert client.get("/oruk/services", {"minimum_age": "60"}).status_code == 400
    assert client.get("/oruk/taxonomies", {"per_page": "101"}).status_code == 400
    assert client.get("/oruk/organizations", {"format": "xml"}).json() == {
        "error": "format must be json"
    }


def test_a_nul_character_is_a_400_not_a_database_error(client, demo_directory) -> None:
    """PostgreSQL refuses NUL in text; the site's guard on addresses and queries answers 400
    before any of these endpoints queries."""
    in_path = client.get("/oruk/organizations/x%00y")
    in_query = client.get("/oruk/service_at_locations", {"organization_id": "a\x00b"})

    assert (in_path.status_code, in_query.status_code) == (400, 400)


def test_the_new_endpoints_are_read_only_and_rate_limited(client, demo_directory, settings) -> None:
    assert client.post("/oruk/taxonomy_terms").status_code == 405
    assert client.post("/oruk/organizations").status_code == 405
    settings.CARETRUST_ORUK_REQUESTS_PER_MINUTE = 2
    answers = [client.get("/oruk/taxonomies").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
