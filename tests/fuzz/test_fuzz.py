"""Seeded, bounded fuzzing (issue 13): 2,000+ malformed FHIR API requests and 240 malformed
import files end with 0 server errors and 0 tracebacks, on SQLite and on PostgreSQL.

`CARETRUST_FUZZ_RESULTS=benchmarks/results/fuzz.json` records the counts (benchmarks/bench_fuzz.py
runs both databases)."""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from caretrust.fhir.services import issue_client
from caretrust.ingest.cld_import import CldImporter
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.ingest.report import RejectsWriter
from caretrust.organisations.models import Organisation
from caretrust.people.models import PersonIdentifier
from tests.factories import person_row
from tests.fuzz import cases

REQUESTS = 2_000
FILES = 240


def _record(section: str, figures: dict) -> None:
    target = os.environ.get("CARETRUST_FUZZ_RESULTS")
    if not target:
        return
    path = Path(target)
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault(connection.vendor, {})[section] = figures
    data["seed"] = cases.SEED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


@pytest.fixture
def api(transactional_db, demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    person = person_row(
        given_name="Winifred",
        family_name="Quarrington",
        sex="female",
        birth_date=date(1941, 3, 2),
        gp_practice=practice,
        postcode="TQ1 1AA",
    )
    PersonIdentifier.objects.create(
        person=person, system="https://fhir.nhs.uk/Id/nhs-number", value="9434765919"
    )
    _row, token = issue_client(name="fuzz", organisation=practice, role="coordinator")
    return str(person.ref), token


@pytest.mark.slow
def test_fuzzed_fhir_requests_never_answer_5xx(api, caplog) -> None:
    patient_id, token = api
    caplog.set_level(logging.ERROR, logger="caretrust.fhir.views")
    client = Client(raise_request_exception=False)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    not_outcomes: list[str] = []
    started = time.perf_counter()
    requests = cases.api_requests(REQUESTS, patient_id=patient_id)
    for index, request in enumerate(requests):
        headers = {
            name: value.replace("TOKEN", token)
            for name, value in request.headers.items()
            if value or name != "Authorization"
        }
        url = request.path + (f"?{request.query}" if request.query else "")
        response = client.generic(
            request.method,
            url,
            data=request.body,
            content_type=request.content_type,
            headers=headers,
        )
        statuses[response.status_code] += 1
        logged = [r for r in caplog.records if r.exc_info and r.name == "caretrust.fhir.views"]
        if logged:  # a 400 the guard made from an exception: a missing check
            caplog.clear()
            where = "".join(traceback.format_exception(logged[0].exc_info[1])[-3:])
            failures.append(f"#{index} {request.kind} {url[:120]} → guarded {where}")
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            where = "".join(traceback.format_exception(exc[1])[-3:]) if exc else ""
            failures.append(f"#{index} {request.kind} {url[:120]} → {response.status_code} {where}")
        elif response.status_code >= 400 and request.method != "HEAD":
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                body = {}
            if body.get("resourceType") != "OperationOutcome":
                not_outcomes.append(
                    f"#{index} {request.kind} → {response.status_code} {response.content[:80]!r}"
                )
    elapsed = time.perf_counter() - started
    by_class = Counter(f"{status // 100}xx" for status in statuses.elements())
    _record(
        "api",
        {
            "requests": len(requests),
            "by_status_class": dict(sorted(by_class.items())),
            "by_status": {str(k): v for k, v in sorted(statuses.items())},
            "server_errors": sum(status >= 500 for status in statuses.elements()),
            "tracebacks": len(failures),
            "errors_not_operation_outcome": len(not_outcomes),
            "seconds": round(elapsed, 1),
        },
    )
    assert len(requests) >= 2_000
    assert failures == [], "\n".join(failures[:15])
    assert not_outcomes == [], "\n".join(not_outcomes[:15])


@pytest.mark.django_db
@pytest.mark.slow
def test_fuzzed_import_files_are_problems_never_tracebacks(tmp_path) -> None:
    files = cases.import_files(FILES)
    tracebacks: list[str] = []
    problems = committed = refused = multi_line = 0
    kinds: Counter[str] = Counter()
    started = time.perf_counter()
    for index, (importer_name, name, content, what) in enumerate(files):
        path = tmp_path / f"{index}-{name}"
        path.write_bytes(content)
        skip = index % 3 == 0
        rejects = RejectsWriter(tmp_path / f"rejects-{index}.ndjson" if skip else None)
        if importer_name == "fhir":
            importer = FhirImporter(skip_invalid=skip, rejects=rejects, workers=0)
        else:
            importer = CldImporter(skip_invalid=skip, rejects=rejects)
        kinds[importer_name] += 1
        try:
            result = importer.import_file(path)
        except Exception as exc:  # the thing this test exists to find
            tail = "".join(traceback.format_exception(exc)[-3:])
            tracebacks.append(f"#{index} {importer_name} {what}: {tail}")
            continue
        finally:
            rejects.close()
        problems += len(result.problems)
        committed += result.committed
        refused += not result.committed
        multi_line += sum("\n" in str(problem) for problem in result.problems)
    _record(
        "import",
        {
            "files": len(files),
            "by_importer": dict(kinds),
            "committed": committed,
            "refused": refused,
            "problems": problems,
            "tracebacks": len(tracebacks),
            "problems_not_one_line": multi_line,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
    assert len(files) >= 200
    assert tracebacks == [], "\n".join(tracebacks[:10])
    assert multi_line == 0
