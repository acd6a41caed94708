"""ADR 134: a stored resource's current version lives only in its Resource row, the versions it
superseded in ResourceVersion. Everything the API serves is as before: instance, type and system
history newest first with every version (deletes included, also once the resource came back),
vread of each version, paging and `_since`; an import and a changed re-import keep v1 in history
and v2 current; and the migration that drops the old duplicate rows leaves history as it was."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from caretrust.fhir.services import issue_client
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from caretrust.record.models import Resource, ResourceVersion
from tests.factories import force_update, winifred

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json"
MIGRATION = importlib.import_module(
    "caretrust.record.migrations.0010_current_version_only_in_resource"
)


class Api:
    def __init__(self, client: Client, edith: Person) -> None:
        self.client, self.edith = client, edith

    def send(self, method: str, path: str, body: dict | None = None):
        data = b"" if body is None else json.dumps(body).encode()
        return self.client.generic(method, f"/fhir/{path}", data=data, content_type=FHIR_JSON)

    def get(self, path: str) -> dict:
        response = self.send("GET", path)
        assert response.status_code == 200, response.content
        return json.loads(response.content)

    def observation(self, value: int) -> dict:
        return {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "Heart rate"},
            "subject": {"reference": f"Patient/{self.edith.ref}"},
            "effectiveDateTime": "2026-11-30",
            "valueQuantity": {"value": value, "unit": "/min"},
        }


@pytest.fixture
def api(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = winifred(practice, nhs_number="9000000009")
    _row, token = issue_client(name="versions", organisation=practice, role="coordinator")
    return Api(Client(headers={"Authorization": f"Bearer {token}"}), edith)


def lifecycle(api: Api) -> str:
    """Create (72), update (80), update (90), delete, create again by update (100): v1..v5."""
    created = api.send("POST", "Observation", api.observation(72))
    assert created.status_code == 201, created.content
    oid = json.loads(created.content)["id"]
    for value in (80, 90):
        updated = api.send("PUT", f"Observation/{oid}", {**api.observation(value), "id": oid})
        assert updated.status_code == 200, updated.content
    assert api.send("DELETE", f"Observation/{oid}").status_code == 204
    back = api.send("PUT", f"Observation/{oid}", {**api.observation(100), "id": oid})
    assert back.status_code == 200 and back["ETag"] == 'W/"5"'
    return oid


def summary(entries: list[dict], oid: str) -> list[tuple[str, str, str, int | None]]:
    """(method, status, etag, value) of the entries about `oid`, in the order served."""
    return [
        (
            e["request"]["method"],
            e["response"]["status"],
            e["response"]["etag"],
            e["resource"]["valueQuantity"]["value"] if "resource" in e else None,
        )
        for e in entries
        if e["fullUrl"].endswith(f"/Observation/{oid}")
    ]


def test_history_and_vread_of_create_update_update_delete_recreate(api) -> None:
    oid = lifecycle(api)
    history = api.get(f"Observation/{oid}/_history")
    assert history["total"] == 5
    assert summary(history["entry"], oid) == [
        ("PUT", "200", 'W/"5"', 100),
        ("DELETE", "410", 'W/"4"', None),
        ("PUT", "200", 'W/"3"', 90),
        ("PUT", "200", 'W/"2"', 80),
        ("POST", "200", 'W/"1"', 72),
    ]
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"] if "resource" in e] == [
        "5",
        "3",
        "2",
        "1",
    ]
    for version, value in ((1, 72), (2, 80), (3, 90), (5, 100)):
        read = api.get(f"Observation/{oid}/_history/{version}")
        assert read["valueQuantity"]["value"] == value
        assert read["meta"]["versionId"] == str(version) and read["id"] == oid
    assert api.send("GET", f"Observation/{oid}/_history/4").status_code == 410
    assert api.send("GET", f"Observation/{oid}/_history/6").status_code == 404
    assert api.get(f"Observation/{oid}")["valueQuantity"]["value"] == 100

    # Stored once each: v5 in the row, v1..v4 (the delete included) as superseded versions.
    row = Resource.objects.get(resource_type="Observation", logical_id=oid)
    assert (row.version_id, row.deleted_at) == (5, None)
    kept = ResourceVersion.objects.filter(resource=row).order_by("version_id")
    assert [(v.version_id, v.deleted) for v in kept] == [
        (1, False),
        (2, False),
        (3, False),
        (4, True),
    ]


def test_while_deleted_the_delete_is_the_newest_version(api) -> None:
    oid = json.loads(api.send("POST", "Observation", api.observation(72)).content)["id"]
    assert api.send("DELETE", f"Observation/{oid}").status_code == 204
    expected = [("DELETE", "410", 'W/"2"', None), ("POST", "200", 'W/"1"', 72)]
    assert summary(api.get(f"Observation/{oid}/_history")["entry"], oid) == expected
    assert summary(api.get("Observation/_history")["entry"], oid) == [
        ("DELETE", "410", 'W/"2"', None),
        ("POST", "201", 'W/"1"', 72),
    ]
    assert api.send("GET", f"Observation/{oid}/_history/2").status_code == 410
    assert api.get(f"Observation/{oid}/_history/1")["valueQuantity"]["value"] == 72
    assert api.send("GET", f"Observation/{oid}").status_code == 410


def test_type_and_system_history_list_every_version_newest_first_with_paging(api) -> None:
    oid = lifecycle(api)
    expected = [
        ("PUT", "200", 'W/"5"', 100),
        ("DELETE", "410", 'W/"4"', None),
        ("PUT", "200", 'W/"3"', 90),
        ("PUT", "200", 'W/"2"', 80),
        ("POST", "201", 'W/"1"', 72),
    ]
    for path in ("Observation/_history", "_history"):
        whole = api.get(path)
        assert summary(whole["entry"], oid) == expected, path
        # Two at a time, following the next links: the same versions in the same order.
        entries, url = [], f"{path}?_count=2"
        while url:
            page = api.get(url)
            entries += page["entry"]
            url = next(
                (
                    link["url"].split("/fhir/", 1)[1]
                    for link in page["link"]
                    if link["relation"] == "next"
                ),
                "",
            )
        assert summary(entries, oid) == expected, path
        assert [e["fullUrl"] for e in entries] == [e["fullUrl"] for e in whole["entry"]]

    # _since: the versions written at or after v3's time.
    third = next(
        e for e in api.get("Observation/_history")["entry"] if e["response"]["etag"] == 'W/"3"'
    )
    since = api.client.get(
        "/fhir/Observation/_history", {"_since": third["response"]["lastModified"]}
    ).json()
    assert summary(since["entry"], oid) == expected[:3]


def test_import_then_changed_reimport_keeps_v1_in_history_and_v2_current(
    api, tmp_path: Path
) -> None:
    def condition(text: str, updated: str) -> dict:
        return {
            "resourceType": "Condition",
            "id": "src-c1",
            "meta": {"lastUpdated": updated},
            "subject": {"reference": f"Patient/{api.edith.ref}"},
            "code": {"text": text},
        }

    path = tmp_path / "c.ndjson"
    path.write_text(json.dumps(condition("Asthma", "2024-01-01T00:00:00Z")) + "\n")
    assert FhirImporter().import_file(path).inserted == 1
    assert FhirImporter().import_file(path).unchanged == 1  # nothing new: no version written
    assert not ResourceVersion.objects.exists()
    path.write_text(json.dumps(condition("Asthma, resolved", "2024-06-01T00:00:00Z")) + "\n")
    assert FhirImporter().import_file(path).updated == 1
    force_update(Person.objects.filter(pk=api.edith.pk), gp_practice=api.edith.gp_practice)

    lid = Resource.objects.get(resource_type="Condition", source_id="src-c1").logical_id
    history = api.get(f"Condition/{lid}/_history")
    assert [(e["response"]["etag"], e["resource"]["code"]["text"]) for e in history["entry"]] == [
        ('W/"2"', "Asthma, resolved"),
        ('W/"1"', "Asthma"),
    ]
    assert api.get(f"Condition/{lid}/_history/1")["code"]["text"] == "Asthma"
    assert api.get(f"Condition/{lid}/_history/2")["code"]["text"] == "Asthma, resolved"
    assert api.get(f"Condition/{lid}")["meta"]["versionId"] == "2"
    assert list(ResourceVersion.objects.values_list("version_id", flat=True)) == [1]


def test_the_migration_drops_only_the_duplicate_rows_and_history_is_unchanged(api) -> None:
    oid = lifecycle(api)
    gone = json.loads(api.send("POST", "Observation", api.observation(60)).content)["id"]
    assert api.send("DELETE", f"Observation/{gone}").status_code == 204
    ids = (oid, gone)

    def served() -> list:
        """Instance history, every vread, and the type history, as the API serves them."""
        pages = [api.get(f"Observation/{i}/_history")["entry"] for i in ids]
        reads = [
            (r.status_code, r.content)
            for i in ids
            for r in (api.send("GET", f"Observation/{i}/_history/{v}") for v in range(1, 7))
        ]
        return [pages, reads, api.get("Observation/_history")["entry"]]

    def stored() -> set[tuple[str, int, bool]]:
        return {
            (v.resource.logical_id, v.version_id, v.deleted)
            for v in ResourceVersion.objects.select_related("resource")
        }

    before, kept = served(), stored()
    # The reverse writes the rows the old rule kept besides: each current version, a delete
    # included, also as a version row, the same as its Resource row.
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.REVERSE)
    assert stored() == kept | {(oid, 5, False), (gone, 2, True)}
    old_rule = [  # what the old code served: every version row, newest first
        [
            (f'W/"{v.version_id}"', v.deleted, v.content["valueQuantity"]["value"])
            for v in ResourceVersion.objects.filter(resource__logical_id=i).order_by("-version_id")
        ]
        for i in ids
    ]
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.FORWARD)
    assert stored() == kept
    assert served() == before
    assert [
        [
            (
                e["response"]["etag"],
                e["request"]["method"] == "DELETE",
                e["resource"]["valueQuantity"]["value"] if "resource" in e else None,
            )
            for e in page
        ]
        for page in before[0]
    ] == [[(tag, dead, None if dead else value) for tag, dead, value in rows] for rows in old_rule]
