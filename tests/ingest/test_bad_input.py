"""Every bad input file is a one-line problem naming file, line or entry and field, never a
traceback; with --skip-invalid it goes to the rejects file (issue 13, ADR 46)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from caretrust.ingest import limits
from caretrust.ingest.cld_import import CldImporter
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.ingest.report import RejectsWriter
from caretrust.record.models import Resource, SocialCareEvent
from tests.ingest.test_cld_import import HEADER, row
from tests.ingest.test_fhir_import import condition, patient

pytestmark = pytest.mark.django_db
FUTURE = (date.today() + timedelta(days=30)).isoformat()


def ndjson(resources: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in resources).encode()


def fhir(tmp_path: Path, name: str, content: bytes, skip: bool = False):
    path = tmp_path / name
    path.write_bytes(content)
    rejects = RejectsWriter(tmp_path / "rejects.ndjson" if skip else None)
    result = FhirImporter(skip_invalid=skip, rejects=rejects, workers=0).import_file(path)
    rejects.close()
    return result, [str(p) for p in result.problems]


def cld_bytes(rows: list[dict], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, HEADER, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def cld(tmp_path: Path, content: bytes, skip: bool = False, name: str = "cld.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    rejects = RejectsWriter(tmp_path / "rejects.ndjson" if skip else None)
    result = CldImporter(skip_invalid=skip, rejects=rejects).import_file(path)
    rejects.close()
    return result, [str(p) for p in result.problems]


def rejects_of(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]


# ------------------------------------------------------------------------------------- FHIR


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            patient(birthDate="2099-01-01"),
            "a.ndjson, line 1, birthDate: 2099-01-01 is in the future",
        ),
        (
            patient(birthDate="1800-01-01"),
            "a.ndjson, line 1, birthDate: 1800-01-01 is more than 120 years ago",
        ),
        (
            {**condition(), "onsetDateTime": "2099-05-01"},
            "a.ndjson, line 1, onsetDateTime: 2099-05-01 is in the future",
        ),
        (
            {**condition(), "onsetDateTime": "1850-05-01"},
            "a.ndjson, line 1, onsetDateTime: 1850-05-01 is before 1900",
        ),
        (
            {**condition(), "code": {"text": "x\u0000y"}},
            "a.ndjson, line 1, code.text: contains a NUL character",
        ),
        (
            {**condition(), "code": None},
            "a.ndjson, line 1, code: null is not allowed in FHIR JSON: leave the element out",
        ),
        (
            {**condition(), "code": {"text": "x" * (limits.MAX_FIELD_CHARS + 1)}},
            "a.ndjson, line 1, code.text: 1,000,001 characters: longer than the limit of 1,000,000",
        ),
    ],
)
def test_implausible_or_unsafe_values_are_refused_naming_line_and_field(
    tmp_path, resource, expected
) -> None:
    result, problems = fhir(tmp_path, "a.ndjson", ndjson([resource]))
    assert not result.committed and problems == [expected]


def test_future_dates_that_are_plans_are_kept(tmp_path) -> None:
    plan = {
        "resourceType": "CarePlan",
        "id": "cp1",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2024-01-01", "end": FUTURE},
    }
    result, problems = fhir(tmp_path, "a.ndjson", ndjson([patient(), plan]))
    assert result.committed and problems == []


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("e.ndjson", b"", "e.ndjson, file: the file is empty"),
        ("e.json", b"  \n\n", "e.json, file: the file is empty"),
        (
            "list.json",
            json.dumps([patient()]).encode(),
            "list.json, file: a JSON file holds one resource or a Bundle; a list is not FHIR: "
            "use NDJSON (one resource a line)",
        ),
        (
            "u16.ndjson",
            "\ufeff".encode("utf-16-le") + json.dumps(patient()).encode("utf-16-le"),
            "u16.ndjson, file: the file is UTF-16 (byte order mark FF FE): save it as UTF-8",
        ),
        (
            "u16.json",
            json.dumps(patient()).encode("utf-16"),
            "u16.json, file: the file is UTF-16 (byte order mark FF FE): save it as UTF-8",
        ),
        (
            "latin.ndjson",
            ndjson([patient()])
            + json.dumps(patient(pid="p2", family="Brontë"), ensure_ascii=False).encode("latin-1"),
            "latin.ndjson, line 2: not UTF-8: byte 0xEB at column 155 (Latin-1 or Windows-1252?): "
            "save the file as UTF-8",
        ),
        (
            "nul.ndjson",
            b'{"resourceType": "Patient", "id": "p\x00"}\n',
            "nul.ndjson, line 1: a NUL byte at column 37: not JSON text",
        ),
        (
            "deep.ndjson",
            b'{"resourceType": "Patient", "extension": ' + b"[" * 70 + b"]" * 70 + b"}\n",
            "deep.ndjson, line 1, extension[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…: "
            "nested deeper than 64 levels",
        ),
        (
            "deep.json",
            b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"a": '
            + b"[" * 70
            + b"]" * 70
            + b"}}]}",
            "deep.json, entry 1, entry.item.resource.a.item.item.item.item…: "
            "nested deeper than 64 levels",
        ),
        (
            "dup.ndjson",
            ndjson([patient(), condition(), patient(family="Jones")]),
            "dup.ndjson, line 3, id: Patient/p1 is also at line 1 of this file: "
            "one id, one resource a file",
        ),
        (
            "dup.json",
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": patient()}, {"resource": patient(family="Jones")}],
                }
            ).encode(),
            "dup.json, entry 2, id: Patient/p1 is also at entry 1 of this file: "
            "one id, one resource a file",
        ),
    ],
)
def test_unreadable_fhir_files_are_one_line_problems(tmp_path, name, content, expected) -> None:
    result, problems = fhir(tmp_path, name, content)
    assert not result.committed
    assert problems == [expected]
    assert "\n" not in problems[0]


def test_skip_invalid_puts_bad_fhir_input_in_the_rejects_file(tmp_path) -> None:
    content = ndjson([patient(), patient(family="Again"), condition(cid="c2")])
    content += b'{"resourceType": "Condition", "id": "c\x00"}\n'
    result, _problems = fhir(tmp_path, "mixed.ndjson", content, skip=True)
    assert result.committed and result.inserted == 2 and result.rejected == 2
    reasons = [(r["location"], r["field"]) for r in rejects_of(tmp_path)]
    assert reasons == [("line 2", "id"), ("line 4", "")]
    _, _ = fhir(tmp_path, "empty.ndjson", b"", skip=True)
    assert rejects_of(tmp_path)[0]["reason"] == "the file is empty"


@pytest.mark.parametrize("kind", ["ndjson", "json", "bundle"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path, kind) -> None:
    if kind == "ndjson":
        content, name = ndjson([patient()]), "bom.ndjson"
    elif kind == "json":
        content, name = json.dumps(patient()).encode(), "bom.json"
    else:
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": patient()}],
        }
        content, name = json.dumps(bundle).encode(), "bom-bundle.json"
    result, problems = fhir(tmp_path, name, limits.UTF8_BOM + content)
    assert result.committed and problems == [] and result.inserted == 1


def test_an_oversized_line_is_refused_without_holding_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", 1000)
    big = {**condition(cid="c2"), "note": [{"text": "x" * 5000}]}
    content = ndjson([patient(), big, condition()])
    result, problems = fhir(tmp_path, "big.ndjson", content, skip=True)
    assert problems == ["big.ndjson, line 2: the line is longer than the limit of 1,000 bytes"]
    assert result.inserted == 2


def test_a_json_file_nested_100000_deep_is_refused_in_bounded_memory(tmp_path) -> None:
    """Issue 13: a 200 KB file nested 100,000 deep drove the importer to 23 GB. Run in a child
    process so its peak memory is its own."""
    deep = tmp_path / "deep.json"
    deep.write_bytes(
        b'{"resourceType": "Patient", "extension": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    )
    lines = tmp_path / "deep.ndjson"
    lines.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from caretrust.ingest import readers
        try:
            readers.scan_json(Path({str(deep)!r}))
        except readers.Refused as exc:
            print(exc.location, exc.reason)
        print([i.problem for i in readers.iter_ndjson(Path({str(lines)!r}))])
        # VmHWM: this process's peak RSS (ru_maxrss would include pytest's, kept across exec)
        print("peak", Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == "file nested deeper than 64 levels"
    assert "nested deeper than 64 levels" in out[1]
    peak_kib = int(out[2].split()[1])
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib} KiB"  # about 24 MiB measured


def test_the_deep_file_through_the_importer(tmp_path) -> None:
    content = b'{"resourceType": "Patient", "extension": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _result, problems = fhir(tmp_path, "deep.json", content)
    assert problems == [
        "deep.json, file, extension.item.item.item.item.item.item.item…: "
        "nested deeper than 64 levels"
    ]


# -------------------------------------------------------------------------------------- CLD


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"Date_of_Birth": "2099-01-01"},
            "cld.csv, line 2, Date_of_Birth: 2099-01-01 is in the future",
        ),
        (
            {"Date_of_Birth": "1800-01-01"},
            "cld.csv, line 2, Date_of_Birth: 1800-01-01 is more than 120 years ago",
        ),
        (
            {"Event_Start_Date": "2099-01-01"},
            "cld.csv, line 2, Event_Start_Date: 2099-01-01 is in the future",
        ),
        (
            {"Event_Start_Date": "1850-01-01"},
            "cld.csv, line 2, Event_Start_Date: 1850-01-01 is before 1900",
        ),
        ({"First_Name": "Ed\x00ith"}, "cld.csv, line 2, First_Name: contains a NUL character"),
        (
            {"First_Name": "E" * (limits.MAX_FIELD_CHARS + 1)},
            "cld.csv, line 2: a field longer than the limit of 1,000,000",
        ),
    ],
)
def test_bad_cld_values_are_refused_naming_line_and_column(tmp_path, values, expected) -> None:
    result, problems = cld(tmp_path, cld_bytes([row(**values)]))
    assert not result.committed and problems == [expected]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "cld.csv, file: the file is empty"),
        (b"\n \n", "cld.csv, file: the file is empty"),
        (
            cld_bytes([row()], "utf-16"),
            "cld.csv, file: the file is UTF-16 (byte order mark FF FE): save it as UTF-8",
        ),
        (
            cld_bytes(
                [row(Event_Reference="E0"), row(Last_Name="Brontë", Event_Reference="E2")], "cp1252"
            ),
            "cld.csv, line 3, Last_Name: not UTF-8 text (Latin-1 or Windows-1252?): "
            "save the file as UTF-8",
        ),
        (
            cld_bytes([row(), row(Event_Reference="again")]),
            "cld.csv, line 3: the same event as line 2 (LA, person, type, dates, route, "
            "assessment and service): one line an event a file",
        ),
    ],
)
def test_unreadable_cld_files_are_one_line_problems(tmp_path, content, expected) -> None:
    result, problems = cld(tmp_path, content)
    assert not result.committed and problems == [expected]


def test_a_column_name_that_is_not_utf8_refuses_the_file_naming_it(tmp_path) -> None:
    # The names are kept with each event (cld_fields); PostgreSQL refused them as JSON (CI, stop 26).
    content = cld_bytes([row()]).replace(b"Unique_Identifier", b"Unique_Ide\xd9tifier", 1)
    result, problems = cld(tmp_path, content)
    assert not result.committed and problems == [
        "cld.csv, line 1, LA_Person_Unique_Ide\\udcd9tifier: the column name: not UTF-8 text "
        "(Latin-1 or Windows-1252?): save the file as UTF-8"
    ]
    assert not SocialCareEvent.objects.exists()


def test_cld_utf8_bom_is_accepted(tmp_path) -> None:
    result, problems = cld(tmp_path, limits.UTF8_BOM + cld_bytes([row()]))
    assert result.committed and problems == [] and result.inserted == 1


def test_cld_skip_invalid_puts_bad_rows_in_the_rejects_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", 2000)
    rows = [
        row(),
        row(Event_Reference="E9", First_Name="x" * 3000, LA_Person_Unique_Identifier="C9"),
        row(Date_of_Birth="2099-01-01", LA_Person_Unique_Identifier="C2"),
        row(LA_Person_Unique_Identifier="C3", Event_Start_Date="2024-05-01"),
    ]
    result, _problems = cld(tmp_path, cld_bytes(rows), skip=True)
    assert result.committed and result.inserted == 2 and result.rejected == 2
    assert [(r["location"], r["field"]) for r in rejects_of(tmp_path)] == [
        ("line 3", ""),
        ("line 4", "Date_of_Birth"),
    ]
    assert SocialCareEvent.objects.count() == 2
    assert not Resource.objects.exists()


def test_a_damaged_gzip_file_is_one_problem(tmp_path) -> None:
    import gzip

    whole = gzip.compress(ndjson([patient(), condition()]))
    result, problems = fhir(tmp_path, "cut.ndjson.gz", whole[: len(whole) // 2])
    assert not result.committed
    assert len(problems) == 1 and problems[0].startswith("cut.ndjson.gz, file: not a readable gzip")
    result, problems = fhir(tmp_path, "not.ndjson.gz", b"plain text, not gzip")
    assert not result.committed and "not a readable gzip file" in problems[0]


def test_xml_external_entities_are_not_read(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><name><family value="&x;"/>'
        "</name></Patient>"
    )
    _result, problems = fhir(tmp_path, "p.xml", xml.encode())
    stored = list(Resource.objects.values_list("content", flat=True))
    assert "TOPSECRET" not in json.dumps(stored) + " ".join(problems)


def test_the_import_commands_exit_1_with_one_line_per_bad_file(tmp_path) -> None:
    from typer.testing import CliRunner

    from caretrust.cli import app

    (tmp_path / "empty.ndjson").write_bytes(b"")
    (tmp_path / "list.json").write_text(json.dumps([patient()]))
    (tmp_path / "u16.csv").write_bytes(cld_bytes([row()], "utf-16"))
    runner = CliRunner()
    fhir_run = runner.invoke(
        app,
        [
            "import",
            "fhir",
            str(tmp_path / "empty.ndjson"),
            str(tmp_path / "list.json"),
            "--no-link",
        ],
    )
    assert fhir_run.exit_code == 1, fhir_run.output
    assert "empty.ndjson, file: the file is empty" in fhir_run.output
    assert "list.json, file: a JSON file holds one resource or a Bundle" in fhir_run.output
    assert "Traceback" not in fhir_run.output
    rejects = tmp_path / "rejects.ndjson"
    arguments = ["import", "cld", str(tmp_path / "u16.csv"), "--no-link", "--skip-invalid"]
    cld_run = runner.invoke(app, [*arguments, "--rejects", str(rejects)])
    assert "u16.csv, file: the file is UTF-16" in cld_run.output
    assert json.loads(rejects.read_text())["reason"].startswith("the file is UTF-16")


def test_a_bundle_entry_larger_than_a_record_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", 2000)
    big = {**condition(cid="c2"), "note": [{"text": "x" * 1500}, {"text": "y" * 1500}]}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient()}, {"resource": big}, {"resource": condition()}],
    }
    result, problems = fhir(tmp_path, "b.json", json.dumps(bundle).encode(), skip=True)
    assert problems == ["b.json, entry 2: the entry is larger than the limit of 2,000 bytes"]
    assert result.inserted == 2
    bundle["entry"][1]["resource"]["note"] = [{"text": "z" * 2500}]
    result, problems = fhir(tmp_path, "c.json", json.dumps(bundle).encode())
    assert problems == [
        "c.json, entry 2, entry.item.resource.note.item.text: a value of 2,500 characters: "
        "larger than a whole record may be (2,000 bytes)"
    ]
