"""The Parquet table contract (docs/data-contract.md) as Arrow schemas, and chunk -> tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caretrust.contract import SCHEMAS, TABLES  # noqa: F401  (re-exported for the generator)
from caretrust.synthetic import codes, rates
from caretrust.synthetic.eventlog import NEVER, coded
from caretrust.synthetic.identifiers import prefixed_ids


def dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days)
    return pa.array(days.astype(np.int32), mask=days >= NEVER).cast(pa.date32())


def conditions_table(person_ids: pa.Array, onset: np.ndarray, death: np.ndarray, end: int):
    recorded = (onset < end) & (onset <= death[:, None])
    person, column = np.nonzero(recorded)
    return pa.table(
        {
            "person_id": person_ids.take(pa.array(person)),
            "code_system": pa.array(np.full(len(person), codes.SNOMED)),
            "code": coded(column, [c.snomed for c in codes.CONDITIONS]),
            "display": coded(column, [c.display for c in codes.CONDITIONS]),
            "onset_date": dates(onset[person, column]),
        },
        schema=SCHEMAS["conditions"],
    )


def prescriptions_table(person_ids, onset, death, start: int, end: int, rng) -> pa.Table:
    """Repeat issues every 84 days of each BNF class a person's conditions call for."""
    classes = tuple(codes.BNF_SECTIONS)
    pairs = [(i, classes.index(s)) for i, c in enumerate(codes.CONDITIONS) for s in c.bnf_sections]
    column, drug = (np.array(x) for x in zip(*pairs, strict=True))
    held = onset[:, column] < end  # (people, pairs)
    person, pair = np.nonzero(held)
    key = person * len(classes) + drug[pair]
    begin = onset[person, column[pair]]
    order = np.lexsort((begin, key))
    key, begin, person, pair = key[order], begin[order], person[order], pair[order]
    first = np.r_[True, key[1:] != key[:-1]]  # earliest condition needing each class
    person, begin, drug_of = person[first], begin[first], drug[pair[first]]
    interval = rates.PRESCRIPTION_INTERVAL_DAYS
    phase = (rng.random(len(person)) * interval).astype(np.int64)
    first_issue = np.where(begin >= start, begin, start + phase)
    stop = np.minimum(death[person] + 1, end)
    count = np.maximum(-(-(stop - first_issue) // interval), 0)
    issue_person = np.repeat(person, count)
    k = np.arange(len(issue_person)) - np.repeat(np.cumsum(count) - count, count)
    issue = np.repeat(first_issue, count) + k * interval
    return pa.table(
        {
            "person_id": person_ids.take(pa.array(issue_person)),
            "drug_class": coded(np.repeat(drug_of, count), classes),
            "issue_date": dates(issue),
        },
        schema=SCHEMAS["prescriptions"],
    )


def encounters_table(log: pa.Table, person_ids: pa.Array, offset: int) -> pa.Table:
    log = log.sort_by([("person", "ascending"), ("start_date", "ascending"), ("kind", "ascending")])
    n = log.num_rows
    destination_codes = pa.array(list(codes.DISCHARGE_DESTINATION_CODES.values()))
    destination_index = pc.index_in(
        log["discharge_destination"], pa.array(list(codes.DISCHARGE_DESTINATION_CODES))
    )
    return pa.table(
        {
            "person_id": person_ids.take(log["person"]),
            "encounter_id": prefixed_ids("E", np.arange(offset + 1, offset + n + 1), 9),
            "kind": log["kind"],
            "start_date": log["start_date"],
            "end_date": log["end_date"],
            "primary_diagnosis": log["primary_diagnosis"],
            "external_cause": log["external_cause"],
            "is_transfer": log["is_transfer"],
            "discharge_destination": log["discharge_destination"],
            "discharge_destination_code": destination_codes.take(destination_index),
        },
        schema=SCHEMAS["encounters"],
    )


def social_table(log: pa.Table, person_ids: pa.Array, la_code: str, offset: int) -> pa.Table:
    log = log.sort_by(
        [("person", "ascending"), ("start_date", "ascending"), ("event_type", "ascending")]
    )
    n = log.num_rows
    columns = {
        name: log[name] for name in SCHEMAS["social_care_events"].names if name in log.column_names
    }
    columns["person_id"] = person_ids.take(log["person"])
    columns["event_id"] = prefixed_ids("S", np.arange(offset + 1, offset + n + 1), 9)
    columns["la_code"] = pa.array(np.full(n, la_code))
    return pa.table(
        {name: columns[name] for name in SCHEMAS["social_care_events"].names},
        schema=SCHEMAS["social_care_events"],
    )
