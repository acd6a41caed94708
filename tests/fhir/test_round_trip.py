"""Lossless storage (issue #19 item 1, ADR 0103): every official UK Core example and every unmodified
Synthea bundle in ../shared/examples that carries resources imports, and every resource reads back
through the API (GET [type]/[id], by a client with a relationship to the person) with everything
that was sent, compared as JSON after removing server-managed meta (versionId, lastUpdated) and
applying the documented reference rewriting (ADR 0103):

1. a reference to another entry of the same Bundle (its fullUrl, `urn:uuid:` or absolute) becomes
   the relative `Type/id` of that entry's stored copy;
2. a conditional reference (`Type?identifier=system|value`) that names exactly one resource becomes
   that resource's `Type/id`;
3. a relative reference (or an absolute one ending in `Type/id`) to a resource we hold becomes
   `Type/id`; a version-specific one keeps its `/_history/N`;
4. anything else is kept exactly as sent (and recorded as unresolved on the stored row).

caretrust's additions to a Patient (`link` entries to the person-index Patient and the other
Patients of the same person, an NHS number verification status caretrust holds as verified) are
taken off before the comparison; the test checks that they are the only differences.

`CARETRUST_ROUND_TRIP_REPORT=path.json` writes the per-type figures (resources sent, read back,
identical) for the ADR and the report.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from caretrust.fhir.services import issue_client
from caretrust.ingest import readers
from caretrust.ingest.fhir_import import FhirImporter, order_paths
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from tests.factories import force_update

EXAMPLES = Path("/work/shared/examples")
SERVER_META = ("versionId", "lastUpdated")
RELATIVE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(/_history/[^/]+)?$")

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def example_files() -> list[Path]:
    paths = order_paths(sorted((EXAMPLES / "ukcore").glob("*.xml")))
    return paths + sorted((EXAMPLES / "synthea").glob("*.json"))


def our_id(resource: dict, full_url: str | None) -> str:
    """The id a resource is served under: its own; a POST entry without one is given the id its
    fullUrl names (`urn:uuid:<id>`)."""
    if resource.get("id"):
        return resource["id"]
    assert full_url, "an entry without id or fullUrl"
    return full_url.removeprefix("urn:uuid:").removeprefix("urn:oid:")


def sent_resources(path: Path) -> tuple[list[tuple[dict, str]], dict[str, tuple[str, str]]]:
    """The resources a file carries, as sent (XML in its JSON form), each with the id it is
    served under, and the file's fullUrls."""
    if path.suffix == ".xml":
        resource, error = readers.read_xml(path)
        assert error is None, error
    else:
        resource = json.loads(path.read_text(encoding="utf-8"))
    if resource["resourceType"] != "Bundle":
        return [(resource, resource["id"])], {}
    resources, urls, full_urls = [], [], {}
    for entry in resource.get("entry") or []:
        if "resource" not in entry:
            continue  # a GET of a batch: a query, nothing to store
        resources.append(entry["resource"])
        urls.append(entry.get("fullUrl"))
        if entry.get("fullUrl"):
            full_urls[entry["fullUrl"]] = (
                entry["resource"]["resourceType"],
                our_id(entry["resource"], entry["fullUrl"]),
            )
    return [(r, our_id(r, url)) for r, url in zip(resources, urls, strict=True)], full_urls


def _references(value, found: list[dict]) -> list[dict]:
    if isinstance(value, list):
        for child in value:
            _references(child, found)
    elif isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            found.append(value)
        for key, child in value.items():
            if key not in ("contained", "text"):
                _references(child, found)
    return found


def expected(resource: dict, full_urls: dict, held: set, by_identifier: dict) -> dict:
    """The resource as sent with the documented reference rewriting applied."""
    copied = copy.deepcopy(resource)
    for holder in _references(copied, []):
        reference = holder["reference"]
        if reference in full_urls:
            holder["reference"] = "/".join(full_urls[reference])
        elif "?" in reference:
            if len(by_identifier.get(reference, ())) == 1:
                holder["reference"] = "/".join(next(iter(by_identifier[reference])))
        elif (
            (match := RELATIVE.search(reference))
            and not reference.startswith("urn:")
            and (match.group(1), match.group(2)) in held
        ):
            holder["reference"] = f"{match.group(1)}/{match.group(2)}{match.group(3) or ''}"
    return copied


def without_server_meta(resource: dict) -> dict:
    copied = copy.deepcopy(resource)
    meta = copied.get("meta")
    if isinstance(meta, dict):
        for name in SERVER_META:
            meta.pop(name, None)
        if not meta:
            del copied["meta"]
    return copied


def without_additions(served: dict, sent: dict) -> dict:
    """A Patient as served, less caretrust's additions (links it did not receive)."""
    if served.get("resourceType") != "Patient":
        return served
    copied = copy.deepcopy(served)
    sent_links = sent.get("link") or []
    links = [link for link in copied.get("link") or [] if link in sent_links]
    if links:
        copied["link"] = links
    else:
        copied.pop("link", None)
    return copied


def first_difference(served, want, path: str = "") -> str:
    """Where two JSON values first differ (for the failure message)."""
    if isinstance(served, dict) and isinstance(want, dict):
        for key in sorted({*served, *want}):
            if served.get(key) != want.get(key):
                return first_difference(served.get(key), want.get(key), f"{path}.{key}")
    if isinstance(served, list) and isinstance(want, list) and len(served) == len(want):
        for i, (a, b) in enumerate(zip(served, want, strict=True)):
            if a != b:
                return first_difference(a, b, f"{path}[{i}]")
    return f"{path}: served {str(served)[:120]!r}, sent {str(want)[:120]!r}"


def test_every_example_round_trips_through_the_api(client, demo_directory) -> None:
    paths = example_files()
    importer = FhirImporter()
    results = [importer.import_file(path) for path in paths]
    assert [str(p) for r in results for p in r.problems] == []
    assert all(r.committed for r in results)

    # The client is a GP practice's system; every imported person is registered there, which
    # is the relationship the existing FHIR tests give their client.
    practice = Organisation.objects.get(code="DEMO-GP1")
    force_update(Person.objects.all(), gp_practice=practice)
    _row, token = issue_client(name="round-trip", organisation=practice, role="coordinator")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    files = [(path, *sent_resources(path)) for path in paths]
    held = {(r["resourceType"], rid) for _, resources, _ in files for r, rid in resources}
    by_identifier: dict[str, set] = {}
    for _, resources, _ in files:
        for r, rid in resources:
            for token_ in readers.identifier_tokens(r):
                by_identifier.setdefault(f"{r['resourceType']}?identifier={token_}", set()).add(
                    (r["resourceType"], rid)
                )

    sent_by_type: Counter = Counter()
    read_by_type: Counter = Counter()
    same_by_type: Counter = Counter()
    differences: list[str] = []
    for path, resources, full_urls in files:
        for resource, rid in resources:
            kind = resource["resourceType"]
            sent_by_type[kind] += 1
            response = client.get(f"/fhir/{kind}/{rid}", **auth)
            if response.status_code != 200:
                differences.append(f"{path.name}: {kind}/{rid} {response.status_code}")
                continue
            read_by_type[kind] += 1
            served = without_additions(without_server_meta(response.json()), resource)
            if "id" not in resource:
                served.pop("id", None)  # the id the server gave a POST entry
            want = without_server_meta(expected(resource, full_urls, held, by_identifier))
            if served == want:
                same_by_type[kind] += 1
            else:
                differences.append(
                    f"{path.name}: {kind}/{rid} differs at {first_difference(served, want)}"
                )

    figures = {
        kind: {"sent": sent_by_type[kind], "read": read_by_type[kind], "same": same_by_type[kind]}
        for kind in sorted(sent_by_type)
    }
    figures["total"] = {
        "sent": sum(sent_by_type.values()),
        "read": sum(read_by_type.values()),
        "same": sum(same_by_type.values()),
    }
    if os.environ.get("CARETRUST_ROUND_TRIP_REPORT"):
        Path(os.environ["CARETRUST_ROUND_TRIP_REPORT"]).write_text(json.dumps(figures, indent=1))
    assert differences == [], f"{len(differences)} differ, e.g. {differences[:20]}"
