"""The ids a file has given: each duplicate named with where it first came, however far back
(after the latest ids are folded into the sorted arrays), in memory that grows slowly."""

from __future__ import annotations

import pytest

from caretrust.ingest.fhir_import import _SeenIds


@pytest.fixture
def seen(monkeypatch) -> _SeenIds:
    monkeypatch.setattr(_SeenIds, "RECENT", 1_000)  # fold often
    return _SeenIds()


def test_a_duplicate_names_where_the_id_first_came_before_and_after_folding(seen) -> None:
    for line in range(1, 5_001):
        assert seen.add("Encounter", f"E{line}", f"line {line}") is None
    assert seen.add("Encounter", "E1", "line 6000") == "line 1"  # folded long ago
    assert seen.add("Encounter", "E4999", "line 6001") == "line 4999"
    assert seen.add("Encounter", "E4500", "line 6002") == "line 4500"
    assert seen.add("Encounter", "E5000", "line 6003") == "line 5000"  # still recent
    assert seen.add("Condition", "E1", "line 6004") is None  # another type, another resource


def test_entries_of_a_bundle_and_ids_never_seen(seen) -> None:
    for entry in range(1, 3_001):
        assert seen.add("Patient", f"p{entry}", f"entry {entry}") is None
    assert seen.add("Patient", "p7", "entry 3001") == "entry 7"
    # No id, or a file of one resource: nothing to compare.
    assert seen.add("Patient", "", "entry 3002") is None
    assert seen.add("Patient", "p7", "resource") is None
    misses = sum(
        seen.add("Patient", f"q{i}", f"entry {4000 + i}") is not None for i in range(2_000)
    )
    assert misses == 0


def test_folded_ids_stay_sorted_and_each_is_found_where_it_first_came(seen) -> None:
    # Ids folded in eleven rounds, each merged into the ones before (interleaved, not appended).
    for line in range(1, 11_001):
        assert seen.add("Encounter", f"E{(line * 7919) % 11_000}", f"line {line}") is None
    assert seen._hashes.size == 11_000 and bool((seen._hashes[1:] > seen._hashes[:-1]).all())
    for line in range(1, 11_001):
        found = seen.add("Encounter", f"E{(line * 7919) % 11_000}", f"line {20_000 + line}")
        assert found == f"line {line}"
