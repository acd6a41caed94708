"""Importing an Open Referral UK (HSDS 3.0) feed file: a good feed, an idempotent re-import, and a
bad feed refused whole, with its problems named by file, item and field."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from caretrust.access.models import AuditEvent
from caretrust.directory.demo import DEMO_FEED
from caretrust.directory.importer import import_feed
from caretrust.directory.models import (
    DirectoryContact,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectorySchedule,
    DirectoryService,
    DirectoryServiceAtLocation,
)

pytestmark = pytest.mark.django_db


def _feed() -> list[dict]:
    return json.loads(DEMO_FEED.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data, name: str = "feed.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            DirectoryOrganisation,
            DirectoryService,
            DirectoryLocation,
            DirectoryServiceAtLocation,
            DirectoryContact,
            DirectorySchedule,
        )
    }


def test_a_good_feed_imports_every_service_with_its_details(tmp_path) -> None:
    result = import_feed(_write(tmp_path, _feed()))

    assert result.committed and not result.problems
    assert (result.read, result.inserted, result.updated, result.unchanged) == (4, 4, 0, 0)
    assert _counts() == {
        "DirectoryOrganisation": 3,
        "DirectoryService": 4,
        # The Age Friendly Hub hosts befriending and a falls class: one location, two links.
        "DirectoryLocation": 4,
        "DirectoryServiceAtLocation": 5,
        "DirectoryContact": 4,
        "DirectorySchedule": 5,
    }
    falls = DirectoryService.objects.get(name="Steady Steps falls prevention classes")
    assert falls.organization.name == "Steady Steps Bayside CIC"
    assert falls.minimum_age == 65 and falls.maximum_age is None
    assert falls.categories == ["Falls prevention", "Exercise and keeping active"]
    assert [(s.byday, s.opens_at) for s in falls.schedules.order_by("byday")] == [
        ("TH", "14:00"),
        ("TU", "10:00"),
    ]
    assert falls.contacts.get().phones[0]["number"] == "01803 555 0301"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.IMPORT, actor_username="Open Referral UK import"
    ).exists()


def test_the_organisation_is_linked_to_the_partner_on_caretrust_by_its_identifier(
    demo_directory,
) -> None:
    # The demo directory loads the demo feed; its Age Friendly Network carries DEMO-VOLUNTARY.
    network = DirectoryOrganisation.objects.get(name="Bayside Age Friendly Network")
    carers = DirectoryOrganisation.objects.get(name="Bayside Carers Centre")

    assert network.organisation.code == "DEMO-VOLUNTARY"
    assert carers.organisation is None


def test_importing_the_same_feed_again_changes_nothing(tmp_path) -> None:
    path = _write(tmp_path, _feed())
    import_feed(path)
    before = _counts()
    rows = list(DirectoryService.objects.values_list("pk", "content_hash", "name"))
    contacts = list(DirectoryContact.objects.values_list("pk", flat=True))

    again = import_feed(path)

    assert again.committed
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert _counts() == before
    assert list(DirectoryService.objects.values_list("pk", "content_hash", "name")) == rows
    # Not deleted and written again: the very same rows.
    assert list(DirectoryContact.objects.values_list("pk", flat=True)) == contacts


def test_a_changed_service_is_updated_in_place_and_its_details_replaced(tmp_path) -> None:
    import_feed(_write(tmp_path, _feed()))
    lunch_pk = DirectoryService.objects.get(name="Harbourside lunch club").pk
    feed = _feed()
    feed[1]["schedules"][0]["byday"] = "TH"
    feed[1]["schedules"][0]["description"] = "Thursdays, 11:30am to 2:30pm."

    result = import_feed(_write(tmp_path, feed, "feed2.json"))

    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 3)
    lunch = DirectoryService.objects.get(pk=lunch_pk)
    assert [s.byday for s in lunch.schedules.all()] == ["TH"]
    assert DirectorySchedule.objects.count() == 5


def test_a_bad_feed_names_file_item_and_field_and_writes_nothing(tmp_path) -> None:
    import_feed(_write(tmp_path, _feed()[:1]))  # one service already held
    before = _counts()
    audits = AuditEvent.objects.count()
    feed = _feed()
    good_but_new = feed[2]
    bad = copy.deepcopy(feed[3])
    bad["organization"].pop("name")
    bad["schedules"][1]["opens_at"] = "25:00"
    bad["minimum_age"] = "sixty-five"
    feed[0]["name"] = "Befriending (renamed)"  # a change to a held service, in the same file

    result = import_feed(_write(tmp_path, [feed[0], good_but_new, bad], "bad.json"))

    assert not result.committed
    assert [str(p) for p in result.problems] == [
        "bad.json, item 2, minimum_age: must be a whole number from 0, not 'sixty-five'",
        "bad.json, item 2, organization.name: is required",
        "bad.json, item 2, schedules[1].opens_at: '25:00' is not a time (HH:MM or HH:MM:SS)",
    ]
    # Nothing half-written: not the new service, not the rename, no audit row.
    assert _counts() == before
    assert DirectoryService.objects.filter(name="Telephone and home befriending").exists()
    assert AuditEvent.objects.count() == audits


def test_a_file_that_is_not_a_feed_is_refused_naming_the_file(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    assert str(import_feed(path).problems[0]).startswith("broken.json, file: is not JSON")

    wrong = import_feed(_write(tmp_path, {"services": []}, "wrong.json"))
    assert [str(p) for p in wrong.problems] == [
        "wrong.json, file: must be a list of services or a /services page (contents)"
    ]


def test_a_duplicate_service_id_in_one_file_is_a_problem(tmp_path) -> None:
    feed = _feed()
    result = import_feed(_write(tmp_path, [feed[0], feed[0]], "dupe.json"))
    assert [str(p) for p in result.problems] == [
        f"dupe.json, item 1, id: {feed[0]['id']!r} is also item 0"
    ]
    assert DirectoryService.objects.count() == 0


def test_a_services_page_imports_like_a_list(tmp_path) -> None:
    page = {"total_items": 4, "page_number": 1, "contents": _feed()}
    assert import_feed(_write(tmp_path, page)).inserted == 4


def test_the_command_imports_and_reports_problems(tmp_path) -> None:
    from typer.testing import CliRunner

    from caretrust.cli import app

    good = _write(tmp_path, _feed())
    bad_feed = _feed()
    bad_feed[0]["status"] = "closed for ever"
    bad = _write(tmp_path, bad_feed, "bad.json")
    runner = CliRunner()

    ok = runner.invoke(app, ["import", "oruk", str(good)])
    refused = runner.invoke(app, ["import", "oruk", str(bad)])

    assert ok.exit_code == 0, ok.output
    assert DirectoryService.objects.count() == 4
    assert refused.exit_code == 1
    assert "REFUSED" in refused.output
    assert "bad.json, item 0, status: 'closed for ever' is not one of" in refused.output
