"""Linking new people to the index: exact NHS number happens at import; this is the second step,
Splink on names, date of birth, sex and postcode for people imported without a usable NHS number.

At or above `matching.UPPER` the new record is merged into the existing person (reversibly), unless
a second person in the index also scores at or above it (namesakes with the same date of birth);
between the thresholds, or in that tie, the pair goes to the review queue with its match weights;
below, the new record stands as a new person.

Modes (ADR 0063): `link_pending_people(mode="link-dedupe")` also compares the new records with
each other, so one person imported twice in a batch is caught; `find_duplicates_in_index` runs
deduplication over the people already in the index. Pairs found within a batch or within the
index go to the review queue, never to an automatic merge: both records may already carry care.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from django.db import transaction

from caretrust import guard
from caretrust.people import matching
from caretrust.people.models import LinkCandidate, Person
from caretrust.people.services import merge_people


@dataclass
class LinkOutcome:
    considered: int = 0
    auto_linked: int = 0
    for_review: int = 0
    new_people: int = 0


FIELDS = ("pk", "given_name", "family_name", "birth_date", "sex", "postcode")


def _table(people) -> pa.Table:
    rows = list(people.values_list(*FIELDS))
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in FIELDS]
    raw = pa.table(
        {
            "id": pa.array([str(v) for v in columns[0]], pa.string()),
            "given_name": pa.array(columns[1], pa.string()),
            "family_name": pa.array(columns[2], pa.string()),
            "birth_date": pa.array([d.isoformat() if d else None for d in columns[3]], pa.string()),
            "sex": pa.array(
                [s if s in ("male", "female") else None for s in columns[4]], pa.string()
            ),
            "postcode": pa.array(columns[5], pa.string()),
        }
    )
    return matching.standardise(raw, "id", {c: c for c in FIELDS[1:]})


def link_pending_people(
    *, upper: float = matching.UPPER, lower: float = matching.LOWER, mode: str = "link"
) -> LinkOutcome:
    if mode not in ("link", "link-dedupe"):
        raise ValueError(f"mode {mode!r}: use 'link' or 'link-dedupe'")
    pending = Person.objects.filter(linkage_pending=True, merged_into__isnull=True)
    # People already waiting for review are not re-scored.
    waiting = LinkCandidate.objects.filter(status=LinkCandidate.Status.PENDING).values("incoming")
    pending = pending.exclude(pk__in=waiting)
    outcome = LinkOutcome(considered=pending.count())
    if not outcome.considered:
        return outcome
    existing = Person.objects.filter(linkage_pending=False, merged_into__isnull=True)
    right = _table(pending)
    left = _table(existing)
    best: list[dict] = []
    within: list[dict] = []
    if mode == "link-dedupe" and left.num_rows:
        model = matching.build_linker(left, right, mode="link-dedupe")
        pairs = matching.predict(model, threshold=lower)
        sources = (pairs["source_dataset_l"].to_pylist(), pairs["source_dataset_r"].to_pylist())
        across = [a != b for a, b in zip(*sources, strict=True)]
        same = [a == b == "right_records" for a, b in zip(*sources, strict=True)]
        best = matching.best_per_right(pairs.filter(pa.array(across))).to_pylist()
        within = pairs.filter(pa.array(same)).to_pylist()
    elif mode == "link-dedupe" and right.num_rows > 1:  # an empty index: the batch only
        model = matching.build_linker(right, mode="dedupe")
        within = matching.predict(model, threshold=lower).to_pylist()
    elif left.num_rows:
        model = matching.build_linker(left, right)
        pairs = matching.predict(model, threshold=lower)
        best = matching.best_per_right(pairs).to_pylist()
    matched = {int(row["unique_id_r"]): row for row in best}
    for person in pending.iterator(chunk_size=2000):
        row = matched.get(person.pk)
        with transaction.atomic():
            if row is None or row["match_probability"] < lower:
                with guard.service_writes(Person):
                    Person.objects.filter(pk=person.pk).update(linkage_pending=False)
                outcome.new_people += 1
            elif row["match_probability"] >= upper and (row["runner_up_probability"] or 0) < upper:
                merge_people(
                    actor=None,
                    actor_label="linkage",
                    survivor=Person.objects.get(pk=int(row["unique_id_l"])),
                    merged=person,
                    reason="linkage",
                    match_probability=float(row["match_probability"]),
                )
                outcome.auto_linked += 1
            else:  # in between, or two people in the index both look certain: a person decides
                LinkCandidate.objects.get_or_create(
                    incoming=person,
                    existing_id=int(row["unique_id_l"]),
                    defaults={
                        "match_probability": float(row["match_probability"]),
                        "match_weight": float(row["match_weight"]),
                        "comparisons": matching.comparison_details(row),
                    },
                )
                outcome.for_review += 1
    outcome.for_review += _queue_pairs(within)
    return outcome


def _queue_pairs(rows: list[dict]) -> int:
    """Pairs within one set of people go to review: the later record as `incoming`."""
    queued = 0
    for row in rows:
        first, second = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        _, created = LinkCandidate.objects.get_or_create(
            incoming_id=second,
            existing_id=first,
            defaults={
                "match_probability": float(row["match_probability"]),
                "match_weight": float(row["match_weight"]),
                "comparisons": matching.comparison_details(row),
            },
        )
        queued += created
    return queued


def find_duplicates_in_index(*, lower: float = matching.LOWER) -> int:
    """Deduplicate the people index: every pair of current people scoring at or above `lower`
    goes to the review queue (none is merged automatically). Returns how many were queued."""
    people = _table(Person.objects.filter(merged_into__isnull=True))
    if people.num_rows < 2:
        return 0
    model = matching.build_linker(people, mode="dedupe")
    return _queue_pairs(matching.predict(model, threshold=lower).to_pylist())
