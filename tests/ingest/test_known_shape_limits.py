"""A resource of a known shape has only its strings' own limits checked (ADR 132): the verdict and
every problem (field, message) are those of the limits' whole walk and the whole model, through
`validate` and through `check_lines` with the raw line."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date, timedelta

import pytest

from caretrust.ingest import checks, limits
from caretrust.ingest.checks import check_lines, implausible_dates, validate
from caretrust.ingest.references import references
from caretrust.ingest.shapes import ShapeCache, shape_of
from caretrust.record.summaries import fhir_date, value_at
from tests.ingest.test_shapes import EXAMPLES, _leaf_paths, _replaced

BIG = limits.MAX_FIELD_CHARS
# Strings that break a limit, or come close, or only look as if they might.
STRINGS = (
    "a\x00b",
    "\x00",
    "x" * (BIG + 1),
    "x" * BIG,
    "\ud800",
    "lone \udfff surrogate",
    "undecodable \udc80 byte",
    "\udcff",
    "Zoë Brontë",
    "日本語",
    "emoji 🙂",
    "back\\u0000slash",
    "a\\b",
    'quote " and \\u',
)
# In the place of a value: a null, or containers the shape has not seen.
OTHERS = (None, [None], {"a": None}, [], {})


def _lines(resource: dict) -> list[bytes]:
    """The NDJSON lines a file might hold for the resource: ASCII with escapes, UTF-8 as is
    (lone surrogates written as such, as `surrogatepass` does), and UTF-16 without a mark."""
    ascii_line = json.dumps(resource).encode()
    utf8_line = json.dumps(resource, ensure_ascii=False).encode("utf-8", "surrogatepass")
    utf16_line = json.dumps(resource).encode("utf-16-le")
    return [ascii_line, utf8_line, utf16_line]


def _checked(resource: dict, problems: list) -> tuple:
    """What check_lines hands the importer for a resource with these problems (ADR 133, 136)."""
    if problems:
        return (problems, "", "", None, None)
    text = checks.canonical_json(resource)
    listed = [(path, holder["reference"]) for path, holder in references(resource)]
    return ([], checks.content_hash(resource), text, listed, checks.facts_of(resource))


def _learned(example: dict) -> ShapeCache:
    shapes = ShapeCache()
    assert validate(example, shapes) == []
    assert validate(example, shapes) == [] and shapes.hits == 1  # the shape is known
    # and the process's own cache, which check_lines uses
    assert check_lines([json.dumps(example).encode()]) == [_checked(example, [])]
    return shapes


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda r: r["resourceType"])
def test_string_limits_in_a_known_shape_get_the_whole_walks_problems(example) -> None:
    shapes = _learned(example)
    compared = refused = 0
    for path in _leaf_paths(example):
        if path == ("resourceType",):
            continue
        for value in (*STRINGS, *OTHERS):
            changed = _replaced(example, path, value)
            whole = validate(changed, None)
            assert validate(changed, shapes) == whole, (path, value)
            for line in _lines(changed):
                assert check_lines([line]) == [_checked(changed, whole)], (
                    path,
                    value,
                    line[:60],
                )
            compared += 1
            refused += bool(whole)
    assert compared > 100 and refused > compared / 3
    assert shapes.hits > 10  # the known shape's quick path judged some (non-ASCII text)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda r: r["resourceType"])
def test_two_bad_strings_and_long_strings_together(example) -> None:
    """Several problems in one resource (the walk's order and its cap of five), and strings
    each within the limit that together are longer than it (the quick check doubts them, the
    walk passes them)."""
    shapes = _learned(example)
    paths = [p for p in _leaf_paths(example) if p != ("resourceType",)]
    string_paths = [p for p in paths if isinstance(_at(example, p), str)]
    cases = []
    many = example
    for path in string_paths:
        many = _replaced(many, path, "bad\x00\ud800" + "y" * (BIG + 1))
    cases.append(many)
    halves = example
    for path in string_paths[:3]:
        halves = _replaced(halves, path, "h" * (BIG // 2 + 1))
    cases.append(halves)
    for changed in cases:
        whole = validate(changed, None)
        assert validate(changed, shapes) == whole
        for line in _lines(changed):
            assert check_lines([line]) == [_checked(changed, whole)]
    assert validate(cases[0], None) and len(validate(cases[0], None)) >= 5


def _at(resource, path):
    for part in path:
        resource = resource[part]
    return resource


def test_a_known_shape_is_learned_only_within_the_limits() -> None:
    """`learn` never remembers a resource that breaks a limit, nor one whose values are not
    JSON's own (the walk goes into a dict subclass; the shape does not)."""
    from fhir.resources.R4B import get_fhir_model_class

    example = EXAMPLES[0]
    model = get_fhir_model_class("Patient")
    shapes = ShapeCache()
    with_nul = {**example, "id": "a\x00"}
    shapes.learn(model, with_nul)
    assert shapes.known(model, shape_of(with_nul)[0]) is False
    odd = {**example, "address": [OrderedDict(postalCode="TQ3 6HQ")]}
    for resource in (odd, {**example, "address": [OrderedDict(postalCode="TQ3\x00")]}):
        assert validate(resource, shapes) == validate(resource, None)
        assert validate(resource, shapes) == validate(resource, None)
    assert shapes.known(model, shape_of(odd)[0]) is False


def test_nesting_beyond_the_recursion_limit_is_the_walks_to_name() -> None:
    deep: dict = {"url": "http://example.org/x"}
    for _ in range(5000):
        deep = {"url": "http://example.org/x", "extension": [deep]}
    resource = {**EXAMPLES[0], "extension": [deep]}
    problems = validate(resource, ShapeCache())
    assert problems == validate(resource, None)
    assert problems[0][1] == f"nested deeper than {limits.MAX_DEPTH} levels"


def test_shapes_spell_the_tree() -> None:
    """Flat shapes: a key never reads as a value's type, nor the end of a list as an element."""
    pairs = [
        ({"a": [{"b": "x"}]}, {"a": [{}], "b": "x"}),
        ({"a": [[], "x"]}, {"a": [["x"]]}),
        ({"a": {"b": {}}}, {"a": {"b": {}}, "c": 1}),
        ({"str": "x"}, {"x": "str"}),
        ({"a": 1}, {"a": True}),
        ({"a": 1}, {"a": 1.0}),
    ]
    for one, other in pairs:
        assert shape_of(one)[0] != shape_of(other)[0], (one, other)
    assert shape_of({"a": [{"b": "x"}, 2]})[0] == shape_of({"a": [{"b": "y"}, 3]})[0]
    assert shape_of({"a": [{"b": "x"}, 2]})[1] == ["x", 2]


def _implausible_dates_before(resource: dict, today: date | None = None) -> list[tuple[str, str]]:
    """`implausible_dates` as it was before ADR 132: the reference."""
    problems: list[tuple[str, str]] = []
    resource_type = resource.get("resourceType", "")
    if resource_type == "Patient":
        born = fhir_date(resource.get("birthDate"))
        reason = born and limits.birth_date_problem(born, today)
        if reason:
            problems.append(("birthDate", reason))
    past = checks.PAST_DATES.get(resource_type, ())
    for path in dict.fromkeys((*past, *checks.OTHER_DATES)):
        value = fhir_date(value_at(resource, path))
        if value is None:
            continue
        reason = limits.event_date_problem(value, today, future=path not in past)
        if reason:
            problems.append((path, reason))
    return problems


def test_the_date_checks_say_what_they_said() -> None:
    today = date(2026, 3, 1)
    days = [today + timedelta(days=n) for n in (-1, 0, 1, 2, 3, 400)]
    values = [
        *(d.isoformat() for d in days),
        f"{days[3].isoformat()}T10:00:00+01:00",
        "1899-12-31",
        "1900-01-01",
        "1899",
        "1899-12",
        "1906-02-28",
        "1906-02-27",
        "1906-03-01",
        "2027",
        "2026-03",
        "not a date",
        "20",
        5,
        None,
        ["2030-01-01"],
    ]
    types = [*checks.PAST_DATES, "Group", "Basic"]
    paths = sorted({p for t in checks.PAST_DATES.values() for p in t} | set(checks.OTHER_DATES))
    compared = found = 0
    for resource_type in types:
        for value in values:
            for path in [*paths, "birthDate"]:
                resource: dict = {"resourceType": resource_type}
                holder = resource
                *parents, last = path.split(".")
                for part in parents:
                    holder = holder.setdefault(part, {})
                holder[last] = value
                for when in (today, None):
                    expected = _implausible_dates_before(resource, when)
                    assert implausible_dates(resource, when) == expected, (resource, when)
                    compared += 1
                    found += bool(expected)
            # a period that is a list, not an object: no date there
            listed = {"resourceType": resource_type, "period": [{"start": "1800-01-01"}]}
            assert implausible_dates(listed, today) == _implausible_dates_before(listed, today)
    assert compared > 1000 and found > 100


def test_the_content_hash_is_what_it_was() -> None:
    import hashlib

    odd = {"resourceType": "Basic", "b": [1.5, 1e300, -0.0, True, None], "a": "Zoë \ud800 日本"}
    for resource in (*EXAMPLES, odd):
        before = hashlib.sha256(
            json.dumps(resource, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        assert checks.content_hash(resource) == before
