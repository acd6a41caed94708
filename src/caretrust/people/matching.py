"""Probabilistic person matching with Splink on DuckDB (no Django: used by the web app's linkage,
by `caretrust link` and by the benchmarks).

Inputs are Arrow tables with `unique_id` and any of the standard columns below; `standardise`
puts raw extracts into that shape. Comparisons follow the usual UK person-linkage model: names
(Jaro-Winkler), date of birth (exact, one edit, day-month swap, close dates), sex, postcode
(full, sector, district, area) and, when both sides have it, NHS number.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("given_name", "family_name", "birth_date", "sex", "postcode", "nhs_number")
# Auto-link at or above UPPER; review between LOWER and UPPER; new person below LOWER.
# 0.90 from benchmarks/results/linkage.json (3M people, 1M council records): precision 0.99993,
# F1 0.996 for automatic links (0.99 gave F1 0.972: too many true pairs sent to review).
UPPER = 0.90
LOWER = 0.50
# A model trained on the synthetic population; used when there are too few records to train.
DEFAULT_MODEL = Path(__file__).with_name("linkage_model.json")
MIN_RECORDS_TO_TRAIN = 20_000
MEMORY_LIMIT = os.environ.get("CARETRUST_LINKAGE_MEMORY", "6GB")
DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y")
SEX_CODES = {
    "1": "male",
    "2": "female",
    "m": "male",
    "f": "female",
    "male": "male",
    "female": "female",
}


def parse_date(value) -> str | None:
    """YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY (or a date) → 'YYYY-MM-DD'; None if unreadable."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    return None


_NOT_LETTERS = re.compile(r"[^a-z]")
_NOT_POSTCODE = re.compile(r"[^A-Z0-9]")


def standardise(table: pa.Table, id_column: str, columns: dict[str, str]) -> pa.Table:
    """Rename a raw extract's columns (ours → theirs in `columns`) and clean the values:
    lower-case letters-only names, ISO dates, 'male'/'female', postcodes as 'TQ1 1AA'."""
    n = table.num_rows
    out: dict[str, pa.Array] = {
        "unique_id": pc.cast(table[id_column], pa.string()),
    }
    for ours in COLUMNS:
        theirs = columns.get(ours)
        if theirs is None:
            out[ours] = pa.nulls(n, pa.string())
            continue
        values = table[theirs].to_pylist()
        if ours in ("given_name", "family_name"):
            cleaned = [_NOT_LETTERS.sub("", str(v).lower()) or None if v else None for v in values]
        elif ours == "birth_date":
            cleaned = [parse_date(v) for v in values]
        elif ours == "sex":
            cleaned = [SEX_CODES.get(str(v).strip().lower()) if v else None for v in values]
        elif ours == "postcode":
            cleaned = [_postcode(v) for v in values]
        else:  # nhs_number
            cleaned = [re.sub(r"\D", "", str(v)) or None if v else None for v in values]
        out[ours] = pa.array(cleaned, pa.string())
    return pa.table(out)


def _postcode(value) -> str | None:
    if not value:
        return None
    text = _NOT_POSTCODE.sub("", str(value).upper())
    if len(text) < 5:
        return text or None
    return f"{text[:-3]} {text[-3:]}"


def settings(with_nhs_number: bool = False):
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("birth_date", input_is_string=True),
        cl.ExactMatch("sex"),
        cl.PostcodeComparison("postcode"),
    ]
    if with_nhs_number:
        comparisons.append(cl.ExactMatch("nhs_number"))
    return SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("birth_date", "substr(given_name, 1, 1)"),
            block_on("birth_date", "family_name"),
            # (names alone are too common to block on: add the year of birth)
            block_on("given_name", "family_name", "substr(birth_date, 1, 4)"),
            block_on("postcode", "family_name"),
            block_on("postcode", "birth_date"),
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


@dataclass
class Model:
    linker: object
    trained: bool


def build_linker(left: pa.Table, right: pa.Table, *, train: bool | None = None) -> Model:
    """A Splink linker over the two tables: trained on them when large enough, else the saved
    default model (trained on the synthetic population)."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    with_nhs = _has_values(left, "nhs_number") and _has_values(right, "nhs_number")
    # Bounded memory: DuckDB spills to disk beyond this rather than taking the machine.
    connection = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    db_api = DuckDBAPI(connection)
    left_sdf = db_api.register(left, table_name="left_records")
    right_sdf = db_api.register(right, table_name="right_records")
    big_enough = min(left.num_rows, right.num_rows) >= MIN_RECORDS_TO_TRAIN
    train = big_enough if train is None else train
    if not train and DEFAULT_MODEL.exists() and not with_nhs:
        linker = Linker([left_sdf, right_sdf], str(DEFAULT_MODEL), log_level=30)
        return Model(linker, False)
    linker = Linker([left_sdf, right_sdf], settings(with_nhs), log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("birth_date"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=min(1.0, 200_000 / max(left.num_rows, 1))
        )
    return Model(linker, True)


def _has_values(table: pa.Table, column: str) -> bool:
    return column in table.column_names and table[column].null_count < table.num_rows


def predict(model: Model, *, threshold: float = 0.01) -> pa.Table:
    """Candidate pairs at or above `threshold`: unique_id_l (left), unique_id_r (right),
    match_probability, match_weight and one `mw_<comparison>` weight per comparison."""
    result = model.linker.inference.predict(threshold_match_probability=threshold)
    table = result.as_duckdbpyrelation().arrow()
    if hasattr(table, "read_all"):
        table = table.read_all()
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    keep += [c for c in table.column_names if c.startswith(("mw_", "gamma_"))]
    keep += [c for c in table.column_names if c.endswith(("_l", "_r")) and c not in keep]
    return table.select([c for c in keep if c in table.column_names])


def best_per_right(pairs: pa.Table) -> pa.Table:
    """The single most likely left record for each right record (one-to-one from the right)."""
    if pairs.num_rows == 0:
        return pairs
    order = pc.sort_indices(
        pairs, sort_keys=[("unique_id_r", "ascending"), ("match_probability", "descending")]
    )
    ordered = pairs.take(order)
    ids = ordered["unique_id_r"].to_pylist()
    first = [i == 0 or ids[i] != ids[i - 1] for i in range(len(ids))]
    return ordered.filter(pa.array(first))


def comparison_details(row: dict, names: Sequence[str] = COLUMNS) -> dict[str, dict]:
    """Per-comparison weight and the two values, for showing a reviewer why a pair matched."""
    details = {}
    for name in names:
        weight = row.get(f"mw_{name}")
        if weight is None and f"gamma_{name}" not in row:
            continue
        details[name] = {
            "left": row.get(f"{name}_l"),
            "right": row.get(f"{name}_r"),
            "weight": None if weight is None else round(float(weight), 2),
        }
    return details


def save_model(model: Model, path: Path = DEFAULT_MODEL) -> None:
    model.linker.misc.save_model_to_json(str(path), overwrite=True)
