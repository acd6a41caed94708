"""A validating worker's answer for a line (`check_lines`) is what json, the reference walk and the
stdlib's canonical JSON make of it, though the worker parses and serialises with orjson and reads
references off the shape (ADR 138): the same resource, text, content hash, references and facts,
for every resource of the Synthea bundles and for the lines where orjson and json part ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caretrust.ingest import checks
from caretrust.ingest.checks import check_lines, validate
from caretrust.ingest.references import references
from caretrust.ingest.shapes import reference_positions, shape_of

SYNTHEA = Path(__file__).resolve().parents[3] / "shared" / "examples" / "synthea"
if not SYNTHEA.is_dir():  # a worktree beside main: /work/wt-x/../shared
    SYNTHEA = Path("/work/shared/examples/synthea")


def _as_json_reads_it(raw: bytes):
    """What the worker answered before ADR 138: json's parse, the reference walk, the
    stdlib's canonical text."""
    try:
        resource = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return None
    problems = validate(resource, line=raw)
    if problems:
        return (problems, "", "", None, None)
    text = json.dumps(resource, sort_keys=True, separators=(",", ":"))
    listed = [(path, holder["reference"]) for path, holder in references(resource)]
    return ([], checks.content_hash(resource, text), text, listed, checks.facts_of(resource))


def _synthea_lines() -> list[bytes]:
    lines = []
    for path in sorted(SYNTHEA.glob("*.json"))[:6]:
        for entry in json.loads(path.read_text())["entry"]:
            lines.append(json.dumps(entry["resource"]).encode())
    return lines


def test_every_synthea_resource_is_answered_as_json_reads_it() -> None:
    lines = _synthea_lines()
    assert len(lines) > 1000
    kinds = {json.loads(line)["resourceType"] for line in lines}
    assert {"Observation", "Encounter", "Claim", "Patient"} <= kinds  # floats, many references
    for _ in range(2):  # shapes new, then known
        answers = check_lines(lines)
        for line, answer in zip(lines, answers, strict=True):
            assert answer == _as_json_reads_it(line), line[:200]


CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": {"reference": "Patient/p1", "display": "Zoë"},
    "code": {"text": "heart failure"},
}

EDGES = {
    # orjson reads an integer beyond 64 bits as a float; json keeps it
    "big integer": b'{"resourceType":"Basic","id":"b1","code":{"text":"x"},'
    b'"extension":[{"url":"http://x","valueInteger":123456789012345678901234567890}]}',
    "float with exponent": b'{"resourceType":"Observation","id":"o1","status":"final",'
    b'"code":{"text":"x"},"valueQuantity":{"value":1e-05}}',
    "non-ASCII as is": json.dumps(CONDITION, ensure_ascii=False).encode(),
    "non-ASCII escaped": json.dumps(CONDITION).encode(),
    "DEL": json.dumps({**CONDITION, "code": {"text": "a\x7fb"}}, ensure_ascii=False).encode(),
    "control characters": json.dumps({**CONDITION, "code": {"text": 'a\b\f\n\r\t"\\/b'}}).encode(),
    "duplicate keys": b'{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/a"},'
    b'"subject":{"reference":"Patient/b"}}',
    "lone surrogate": b'{"resourceType":"Condition","id":"c1","code":{"text":"\\ud800"},'
    b'"subject":{"reference":"Patient/p1"}}',
    "NaN": b'{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},'
    b'"valueQuantity":{"value":NaN}}',
    "UTF-16": json.dumps(CONDITION).encode("utf-16-le"),
    "not an object": b'["Condition"]',
    "no type": b'{"id":"c1"}',
    "not JSON": b'{"resourceType":',
    "deep": b'{"resourceType":"Basic","code":' + b'{"a":' * 3000 + b"1" + b"}" * 3001,
    "references inside contained and narrative": json.dumps(
        {
            **CONDITION,
            "contained": [
                {
                    "resourceType": "Patient",
                    "id": "x",
                    "link": [{"other": {"reference": "Patient/inside"}}],
                }
            ],
            "text": {
                "status": "generated",
                "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>',
            },
            "evidence": [{"detail": [{"reference": "Observation/o1"}, {"reference": "#x"}]}],
            "extension": [
                {
                    "url": "http://x",
                    "valueReference": {
                        "reference": "Practitioner/p",
                        "extension": [
                            {"url": "http://y", "valueReference": {"reference": "Device/d"}}
                        ],
                    },
                }
            ],
        }
    ).encode(),
}


@pytest.mark.parametrize("name", EDGES)
def test_lines_where_orjson_and_json_part_ways(name) -> None:
    line = EDGES[name]
    for _ in range(2):
        assert check_lines([line]) == [_as_json_reads_it(line)]


def test_reference_positions_follow_the_walks_order() -> None:
    """An object's own reference comes before those inside it, whatever the order of its keys."""
    resource = {
        "resourceType": "Basic",
        "extension": [{"url": "u", "valueReference": {"reference": "A/1"}}],
        "author": {"extension": [{"valueReference": {"reference": "B/2"}}], "reference": "C/3"},
        "text": {"reference": "D/4"},
        "subject": {"reference": ["E/5"]},
    }
    shape, values = shape_of(resource)
    found = [(path, values[index]) for path, index in reference_positions(shape)]
    assert found == [(p, h["reference"]) for p, h in references(resource)]
    assert found == [
        ("extension.valueReference", "A/1"),
        ("author", "C/3"),
        ("author.extension.valueReference", "B/2"),
    ]
