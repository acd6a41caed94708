"""Probabilistic person matching with Splink on DuckDB (no Django: used by the web app's linkage,
by `caretrust link` and by the benchmarks).

Inputs are Arrow tables with `unique_id` and any of the standard columns below; `standardise`
puts raw extracts into that shape. Comparisons follow the usual UK person-linkage model: names
(Jaro-Winkler), date of birth (exact, one edit, day-month swap, close dates), sex, postcode
(full, sector, district, area) and, when both sides have them, NHS number, address (house number
and street) and town.

Training on the run uses a seeded sample of at most `TRAINING_RECORDS` records per side, then
predicts on everything with the trained parameters (ADR 0041).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "postcode",
    "nhs_number",
    "address",
    "town",
)
# Auto-link at or above UPPER; review between LOWER and UPPER; new person below LOWER.
# 0.90 from benchmarks/results/linkage.json (3M people, 1M council records, trained on the run):
# precision 0.99995, F1 0.9915 for automatic links (0.99 gives F1 0.971: too many true pairs sent
# to review). ADR 0041 explains why F1 at 0.90 varies by ~0.004 with the training sample.
UPPER = 0.90
LOWER = 0.50
# A model trained on the synthetic population; used when there are too few records to train.
DEFAULT_MODEL = Path(__file__).with_name("linkage_model.json")
MIN_RECORDS_TO_TRAIN = 20_000
# Training sees at most this many records per side (a seeded random sample); prediction still
# scores every record. EM cost grows with the product of the two sample sizes (pairs sharing a
# birth date or a postcode), so full-size training took 615 s of a 673 s run on 3M x 1M. At 250k
# per side EM sees ~2M pairs per session holding ~20k true pairs, enough for the rarest level we
# model (~1% of true pairs, ~200 examples), and trains in 41 s on 2 busy cores. 500k and 1M per side
# (60 s and 300 s of EM) moved automatic-link F1 at 0.90 only within 0.991-0.995, the same spread
# as changing the u sample: see docs/adr/0041-linkage-training-sample.md.
TRAINING_RECORDS = 250_000
# Random pairs for u: 1e7 puts ~300 chance agreements on the rarest exact levels (birth date,
# full postcode: u ~3e-5), so their weights are good to ~0.1 bit; 2e6 left them at ~0.2 bit.
U_MAX_PAIRS = 1e7
TRAINING_SEED = 1
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
_NOT_LETTERS_OR_SPACE = re.compile(r"[^a-z ]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_ADDRESS_PARTS = re.compile(r"[,;\n]")
# Common street-type abbreviations, so "12 High St." and "12 High Street" agree exactly.
_ADDRESS_WORDS = {
    "apartment": "flat",
    "apt": "flat",
    "av": "avenue",
    "ave": "avenue",
    "cl": "close",
    "cres": "crescent",
    "ct": "court",
    "dr": "drive",
    "gdns": "gardens",
    "gr": "grove",
    "ln": "lane",
    "pk": "park",
    "pl": "place",
    "rd": "road",
    "sq": "square",
    "st": "street",
    "tce": "terrace",
    "terr": "terrace",
}
# Words that only say which part of a building: a first line made of them ("Flat 2") needs the
# next line (the house number and street) to identify the address.
_UNIT_WORDS = {"flat", "unit", "room", "floor", "ground", "first", "second", "basement"}


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
        elif ours == "address":
            cleaned = [address_line(v) for v in values]
        elif ours == "town":
            cleaned = [_town(v) for v in values]
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


def _town(value) -> str | None:
    if not value:
        return None
    return " ".join(_NOT_LETTERS_OR_SPACE.sub(" ", str(value).lower()).split()) or None


def address_line(value) -> str | None:
    """The identifying first line of an address, normalised: lower case, punctuation dropped,
    street types spelled out; the lines after it (locality, town, county) are left out because
    extracts disagree most on those. "Flat 2, 12 High St., Torquay" → "flat 2 12 high street"."""
    if not value:
        return None
    words: list[str] = []
    for part in _ADDRESS_PARTS.split(str(value).lower()):
        tokens = [_ADDRESS_WORDS.get(t, t) for t in _NOT_WORD.sub(" ", part).split()]
        words += tokens
        if any(t.isalpha() and t not in _UNIT_WORDS for t in words):
            break
    return " ".join(words) or None


def _address_comparison():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    # Parameters for the shipped model, which was trained without addresses (training on the
    # run re-estimates m from these starting values and u from random pairs). u is set as if
    # the postcode already agreed (one address of the ~15 in a postcode, plus the household),
    # not the ~1e-6 of two random people, because address and postcode are not independent
    # evidence: the same place must not count twice. Weights: +6.3, +4.6, -2.7 bits.
    return cl.CustomComparison(
        output_column_name="address",
        comparison_description="first line of the address",
        comparison_levels=[
            cll.NullLevel("address"),
            cll.ExactMatchLevel("address").configure(m_probability=0.80, u_probability=0.01),
            # A typo or spelling of the street, but the same house (and flat) numbers: numbers
            # must agree, or two neighbours would look alike.
            cll.CustomLevel(
                "regexp_extract_all(address_l, '[0-9]+') = regexp_extract_all(address_r, '[0-9]+')"
                " AND jaro_winkler_similarity(address_l, address_r) >= 0.88",
                label_for_charts="Same numbers, Jaro-Winkler >= 0.88",
            ).configure(m_probability=0.05, u_probability=0.002),
            cll.ElseLevel().configure(m_probability=0.15, u_probability=0.988),
        ],
    )


def _town_comparison():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    # Weak evidence on top of the postcode, which already names the town: +2.2 / -3.0 bits.
    return cl.CustomComparison(
        output_column_name="town",
        comparison_description="town",
        comparison_levels=[
            cll.NullLevel("town"),
            cll.ExactMatchLevel("town").configure(m_probability=0.9, u_probability=0.2),
            cll.ElseLevel().configure(m_probability=0.1, u_probability=0.8),
        ],
    )


def settings(with_nhs_number: bool = False, *, with_address: bool = False, with_town: bool = False):
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
    if with_address:
        comparisons.append(_address_comparison())
    if with_town:
        comparisons.append(_town_comparison())
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
    """A Splink linker over the two tables: trained on (a sample of) them when large enough, else
    the saved default model (trained on the synthetic population). Address and town are compared
    only when both sides have them, so extracts without them link exactly as before."""
    import duckdb
    from splink import DuckDBAPI, Linker

    with_nhs = _has_values(left, "nhs_number") and _has_values(right, "nhs_number")
    with_address = _has_values(left, "address") and _has_values(right, "address")
    with_town = _has_values(left, "town") and _has_values(right, "town")
    big_enough = min(left.num_rows, right.num_rows) >= MIN_RECORDS_TO_TRAIN
    train = big_enough if train is None else train
    trained = train or with_nhs or not DEFAULT_MODEL.exists()
    if not trained:
        model = _default_model(with_address=with_address, with_town=with_town)
    else:
        model = _train(
            _sample(left, TRAINING_SEED),
            _sample(right, TRAINING_SEED + 1),
            settings(with_nhs, with_address=with_address, with_town=with_town),
        )
    # Bounded memory: DuckDB spills to disk beyond this rather than taking the machine.
    connection = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    db_api = DuckDBAPI(connection)
    left_sdf = db_api.register(left, table_name="left_records")
    right_sdf = db_api.register(right, table_name="right_records")
    return Model(Linker([left_sdf, right_sdf], model, log_level=30), trained)


def _sample(table: pa.Table, seed: int, limit: int = TRAINING_RECORDS) -> pa.Table:
    """At most `limit` rows, chosen by a seeded generator: the same input trains the same model."""
    if table.num_rows <= limit:
        return table
    rows = np.random.default_rng(seed).choice(table.num_rows, size=limit, replace=False)
    return table.take(pa.array(np.sort(rows)))


def _train(left: pa.Table, right: pa.Table, model_settings) -> dict:
    """Estimate the model on these (sampled) tables in a linker of their own; returns the
    trained settings for the linker that predicts on the full tables.

    Sampling both sides independently keeps the share of true pairs among any blocked pairs, and
    so the probability that two random records match, the same as in the full tables."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    connection = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        db_api = DuckDBAPI(connection)
        linker = Linker(
            [
                db_api.register(left, table_name="left_training"),
                db_api.register(right, table_name="right_training"),
            ],
            model_settings,
            log_level=30,
        )
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "family_name", "birth_date")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=TRAINING_SEED)
        for rule in (block_on("birth_date"), block_on("postcode")):
            # No comparison uses term frequencies, so EM can iterate on counts of agreement
            # patterns instead of on every pair: the same estimates, much less work.
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        return linker.misc.save_model_to_json()
    finally:
        connection.close()


def _default_model(*, with_address: bool, with_town: bool) -> dict:
    """The shipped model, plus the address and town comparisons (with their preset parameters)
    when both extracts have them."""
    model = json.loads(DEFAULT_MODEL.read_text())
    extra = ([_address_comparison()] if with_address else []) + (
        [_town_comparison()] if with_town else []
    )
    model["comparisons"] += [c.create_comparison_dict("duckdb") for c in extra]
    return model


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
    """The single most likely left record for each right record (one-to-one from the right),
    with `runner_up_probability`: the next candidate's probability (null when there is none), so
    a caller can refuse to choose between two namesakes who both look certain."""
    if pairs.num_rows == 0:
        return pairs.append_column("runner_up_probability", pa.array([], pa.float64()))
    order = pc.sort_indices(
        pairs, sort_keys=[("unique_id_r", "ascending"), ("match_probability", "descending")]
    )
    ordered = pairs.take(order)
    ids = ordered["unique_id_r"].to_pylist()
    probabilities = ordered["match_probability"].to_pylist()
    first = [i == 0 or ids[i] != ids[i - 1] for i in range(len(ids))]
    runner_up = [
        probabilities[i + 1] if i + 1 < len(ids) and ids[i + 1] == ids[i] else None
        for i in range(len(ids))
    ]
    keep = pa.array(first)
    best = ordered.filter(keep)
    return best.append_column(
        "runner_up_probability", pa.array(runner_up, pa.float64()).filter(keep)
    )


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
