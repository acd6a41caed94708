"""Linking new people to the index: exact NHS number happens at import; this is the second step,
Splink on names, date of birth, sex and postcode for people imported without a usable NHS number.

At or above `matching.UPPER` the new record is merged into the existing person (reversibly), unless
a second person in the index also scores at or above it (namesakes with the same date of birth);
between the thresholds, or in that tie, the pair goes to the review queue with its match weights;
below, the new record stands as a new person.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from django.db import transaction

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
    *, upper: float = matching.UPPER, lower: float = matching.LOWER
) -> LinkOutcome:
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
    if left.num_rows:
        model = matching.build_linker(left, right)
        pairs = matching.predict(model, threshold=lower)
        best = matching.best_per_right(pairs).to_pylist()
    matched = {int(row["unique_id_r"]): row for row in best}
    for person in pending.iterator(chunk_size=2000):
        row = matched.get(person.pk)
        with transaction.atomic():
            if row is None or row["match_probability"] < lower:
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
    return outcome
