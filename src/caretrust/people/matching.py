"""Probabilistic person matching with Splink on DuckDB (no Django: used by the web app's linkage,
by `caretrust link` and by the benchmarks).

Inputs are Arrow tables with `unique_id` and any of the standard columns below; `standardise`
puts raw extracts into that shape. Comparisons follow the usual UK person-linkage model: names
(Jaro-Winkler; given and family names swapped, exactly or with a typo), date of birth (exact, one
typo, day-month swap, close dates), sex, postcode (full, sector, district, area) and, when both
sides have them, NHS number, address (house number and street) and town (exact or a typo).

Three modes (ADR 0063): `link` (pairs across two extracts), `dedupe` (pairs within one extract,
each pair once, no self-pairs) and `link-dedupe` (both at once over two extracts). The model is
trained on the extract whenever it has at least `MIN_RECORDS_TO_TRAIN` records (expectation
maximisation on two blocking rules, u from random pairs); below that the shipped model is the
stated fallback. `Model.choice` says which was used and why.

Training on the run uses a seeded sample of at most `TRAINING_RECORDS` records per side, then
predicts on everything with the trained parameters (ADR 0041).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caretrust import dates
from caretrust.people.normalise import SEX_CODES, normalise_postcode

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
# Train on the extract when it has at least this many records (the smaller side when linking,
# all records when deduplicating). ADR 0063: on the FEBRL sets (1,000 and 5,000 records) and on
# 2,000-record synthetic extracts, training on the extract beats the shipped model; below ~1,000
# records the EM blocks hold too few pairs to estimate m reliably.
MIN_RECORDS_TO_TRAIN = 1_000
# Modes: what the command line calls them -> Splink's link type.
MODES = {"link": "link_only", "dedupe": "dedupe_only", "link-dedupe": "link_and_dedupe"}
# Postcodes in the UK shape ("TQ1 1AA"): sector/district/area levels apply; other postcodes (the
# FEBRL sets are Australian, four digits) are compared exactly.
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
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
# Below 100,000 training records u comes from 2 million pairs (~60 chance agreements on the rarest
# exact levels): 10 million took 40 s of a 46 s run on 8,000 x 2,000 records for no gain in F1.
U_MAX_PAIRS_SMALL = 2e6
TRAINING_SEED = 1
MEMORY_LIMIT = os.environ.get("CARETRUST_LINKAGE_MEMORY", "6GB")


def _iso_date(value) -> str | None:
    """YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY (or a date) → 'YYYY-MM-DD'; None if unreadable."""
    try:
        parsed = dates.parse_date(value)
    except ValueError:
        return None
    return parsed.strftime("%Y-%m-%d") if parsed else None


_NOT_LETTERS = re.compile(r"[^a-z]")
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
            cleaned = [_iso_date(v) for v in values]
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
    return normalise_postcode(value) or None


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

    # Weak evidence on top of the postcode, which already names the town: +2.1 (exact), +1.6 (a
    # typo) / -3.0 bits in the shipped model; training re-estimates them.
    return cl.CustomComparison(
        output_column_name="town",
        comparison_description="town",
        comparison_levels=[
            cll.NullLevel("town"),
            cll.ExactMatchLevel("town").configure(m_probability=0.87, u_probability=0.2),
            # a typo in the town ("northgnate", "port lihcoln"): +1.6 bits
            cll.JaroWinklerLevel("town", 0.9).configure(m_probability=0.03, u_probability=0.01),
            cll.ElseLevel().configure(m_probability=0.1, u_probability=0.79),
        ],
    )


def _name_comparison(column: str, other: str):
    """Splink's NameComparison (exact, Jaro-Winkler 0.92 / 0.88 / 0.7) with two more levels: this
    record's name is the other record's other name (given and family names swapped), exactly or
    with a typo.

    The swap levels look one way only (this record's `column` against the other record's `other`):
    the given-name comparison asks whether the left given name is the right family name, and the
    family-name comparison the mirror image. A half swap ("moulton gabriel" against "gabriel
    moulston": one name moved, the other replaced) then counts as evidence once, in one of the two
    comparisons, and a full swap twice, once in each; looking both ways in both comparisons
    counted a half swap twice (ADR 0124)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    swapped_with_typo = f"jaro_winkler_similarity({column}_l, {other}_r) >= 0.88"
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=f"{column}, with given and family names swapped as a level",
        comparison_levels=[
            # Null unless the name moved to the other field: "speight riley" against "(none)
            # speight" is a swap with the other name missing, and must score as a swap whichever
            # record is on the left.
            cll.CustomLevel(
                f"({column}_l IS NULL OR {column}_r IS NULL)"
                f" AND NOT coalesce({swapped_with_typo}, false)",
                label_for_charts="Null",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
            cll.CustomLevel(
                f"{column}_l = {other}_r", label_for_charts="Given and family names swapped"
            ),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.88),
            # after the close spellings of the same name: "jaspe desilva" against "desllva jasper"
            cll.CustomLevel(swapped_with_typo, label_for_charts="Swapped, Jaro-Winkler >= 0.88"),
            cll.JaroWinklerLevel(column, 0.7),
            cll.ElseLevel(),
        ],
    )


def _birth_date_comparison():
    """Splink's DateOfBirthComparison (exact, one edit, within a month, a year, ten years) with
    the one edit allowed to be two neighbouring digits swapped ("1909" for "1990": Damerau-
    Levenshtein) and a level for day and month swapped ("1935-03-08" for "1935-08-03", a date
    written the American way), which the date-difference levels put months apart (ADR 0124)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    levels = cl.DateOfBirthComparison("birth_date", input_is_string=True).create_comparison_levels()
    # [null, exact, levenshtein <= 1, <= 1 month, <= 1 year, <= 10 years, else]
    levels[2] = cll.DamerauLevenshteinLevel("birth_date", 1).configure(
        label_for_charts="One typo (a digit changed, or two neighbours swapped)"
    )
    day_month_swapped = cll.CustomLevel(
        "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4)"
        " AND substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2)"
        " AND substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
        label_for_charts="Day and month swapped",
    )
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_description="date of birth: exact, one typo, day and month swapped, close",
        comparison_levels=[*levels[:3], day_month_swapped, *levels[3:]],
    )


def _postcode_comparison(uk: bool):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    if uk:
        return cl.PostcodeComparison("postcode")
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="postcode (not UK-shaped): exact, one typo (a character changed,"
        " added, dropped, or two neighbours swapped)",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode"),
            # Damerau-Levenshtein: a swapped pair of digits ("4034" for "4043") is one typo
            cll.DamerauLevenshteinLevel("postcode", 1),
            cll.ElseLevel(),
        ],
    )


# Blocking (ADR 0063, ADR 0124). A pair is scored if any rule puts it in one block. The first
# five are the rules of ADR 0040; the rest catch what they missed on FEBRL and the synthetic
# population: given and family names swapped (exactly, or one of them with a typo but the same
# date of birth or postcode), a wrong year of birth (same names, day and month), a wrong date of
# birth with a missing or changed postcode (same given name, year and family initial), names with
# typos and a wrong date of birth at the same postcode (same postcode and one initial), both names
# changed (same date of birth and family initial) and, when the extracts have them, the same first
# line of the address, the same house number with one name and the other initial, or the same
# town with the same family or given name or date of birth.
SWAPPED_NAMES_RULES = (
    "l.given_name = r.family_name AND l.family_name = r.given_name",
    "l.given_name = r.family_name AND l.birth_date = r.birth_date",
    "l.family_name = r.given_name AND l.birth_date = r.birth_date",
)
# Half a swap where the other name was replaced or mistyped and the date of birth is wrong too
# ("moulton gabriel" 1945 against "gabrniel moulton" 1982, same postcode): a name that is a given
# name on one side and a family name on the other is rare, and a postcode keeps the block small.
HALF_SWAPPED_AT_POSTCODE_RULES = (
    "l.given_name = r.family_name AND l.postcode = r.postcode",
    "l.family_name = r.given_name AND l.postcode = r.postcode",
)
# The first number in the address line ("flat 2 12 high street" -> "2"); null when it has none,
# so that addresses without numbers do not all fall in one block.
HOUSE_NUMBER = "nullif(regexp_extract(address, '[0-9]+'), '')"


def blocking_rules(*, with_address: bool = False, with_town: bool = False) -> list:
    from splink import block_on

    rules = [
        block_on("birth_date", "substr(given_name, 1, 1)"),
        block_on("birth_date", "family_name"),
        # (names alone are too common to block on: add the year of birth)
        block_on("given_name", "family_name", "substr(birth_date, 1, 4)"),
        block_on("postcode", "family_name"),
        block_on("postcode", "birth_date"),
        # new in ADR 0063
        *SWAPPED_NAMES_RULES,
        block_on("given_name", "family_name", "substr(birth_date, 6, 5)"),
        block_on("given_name", "substr(birth_date, 1, 4)", "substr(family_name, 1, 1)"),
        # a full UK postcode holds ~40 people: an initial keeps these blocks small
        block_on("postcode", "substr(given_name, 1, 1)"),
        block_on("postcode", "substr(family_name, 1, 1)"),
        # new in ADR 0124
        *HALF_SWAPPED_AT_POSTCODE_RULES,
        # both names changed or mistyped, postcode changed: the date of birth and the family
        # initial (the given initial with the date of birth is the first rule)
        block_on("birth_date", "substr(family_name, 1, 1)"),
    ]
    if with_address:
        rules.append(block_on("address", "substr(given_name, 1, 1)"))
        rules.append(block_on("address", "substr(family_name, 1, 1)"))
        # the same house in the same postcode (a household: a few people), whatever the names
        rules.append(block_on("postcode", "address"))
        # street, postcode and date of birth mistyped, the house number kept: one name and the
        # other initial ("42 eddy cresent" / "42 eddy crescent" with "kiara everett" both times)
        rules.append(block_on(HOUSE_NUMBER, "given_name", "substr(family_name, 1, 1)"))
        rules.append(block_on(HOUSE_NUMBER, "family_name", "substr(given_name, 1, 1)"))
    if with_town:
        rules.append(block_on("town", "family_name"))
        rules.append(block_on("town", "given_name"))
        rules.append(block_on("town", "birth_date"))
    return rules


def blocking_rule_sql(rules: Sequence) -> list[str]:
    """Each blocking rule as a DuckDB join condition on `l` and `r`."""
    out = []
    for rule in rules:
        if isinstance(rule, str):
            out.append(rule)
        else:
            out.append(rule.get_blocking_rule("duckdb").blocking_rule_sql)
    return out


def settings(
    with_nhs_number: bool = False,
    *,
    with_address: bool = False,
    with_town: bool = False,
    with_sex: bool = True,
    with_postcode: bool = True,
    uk_postcodes: bool = True,
    mode: str = "link",
):
    import splink.comparison_library as cl
    from splink import SettingsCreator

    comparisons = [
        _name_comparison("given_name", "family_name"),
        _name_comparison("family_name", "given_name"),
        _birth_date_comparison(),
    ]
    if with_sex:
        comparisons.append(cl.ExactMatch("sex"))
    if with_postcode:
        comparisons.append(_postcode_comparison(uk_postcodes))
    if with_nhs_number:
        comparisons.append(cl.ExactMatch("nhs_number"))
    if with_address:
        comparisons.append(_address_comparison())
    if with_town:
        comparisons.append(_town_comparison())
    return SettingsCreator(
        link_type=MODES[mode],
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(
            with_address=with_address, with_town=with_town
        ),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


@dataclass
class Model:
    linker: object
    trained: bool
    mode: str = "link"
    # Which model was used and why, for printing: "trained on these extracts (…)" or
    # "shipped model (…)".
    choice: str = ""
    tables: tuple = ()


def build_linker(
    left: pa.Table,
    right: pa.Table | None = None,
    *,
    mode: str = "link",
    train: bool | None = None,
    min_records: int = MIN_RECORDS_TO_TRAIN,
    blocking_sql: Sequence[str] | None = None,
) -> Model:
    """A Splink linker over the tables: `link` and `link-dedupe` take two, `dedupe` one. Trained on
    (a sample of) the extract when it has at least `min_records` records (the smaller side when
    linking, all records when deduplicating), else the shipped model (trained on the synthetic
    population). Address and town are compared only when every input has them, so extracts
    without them link exactly as before. `blocking_sql` replaces the blocking rules (benchmarks
    use it to reproduce the rules of ADR 0040)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    tables = [left] if mode == "dedupe" else [left, right]
    if any(t is None for t in tables):
        raise ValueError(f"mode {mode!r} needs two tables")
    has = {c: all(_has_values(t, c) for t in tables) for c in COLUMNS}
    size = left.num_rows if mode == "dedupe" else min(t.num_rows for t in tables)
    if mode == "link-dedupe":
        size = sum(t.num_rows for t in tables)
    big_enough = size >= min_records
    train = big_enough if train is None else train
    trained = train or has["nhs_number"] or not DEFAULT_MODEL.exists()
    if trained:
        why = (
            "asked to train"
            if train and not big_enough
            else f"{size:,} records >= {min_records:,}"
            if big_enough
            else "NHS numbers on both sides (the shipped model has none)"
        )
        choice = f"trained on these extracts ({why})"
        uk = _mostly_uk_postcodes(tables) if has["postcode"] else True
        model = _train(
            [_sample(t, TRAINING_SEED + i) for i, t in enumerate(tables)],
            settings(
                has["nhs_number"],
                with_address=has["address"],
                with_town=has["town"],
                with_sex=has["sex"],
                with_postcode=has["postcode"],
                uk_postcodes=uk,
                mode=mode,
            ),
        )
    else:
        why = (
            "asked for it"
            if train is False and big_enough
            else f"{size:,} records < {min_records:,}"
        )
        choice = f"shipped model ({why})"
        model = _default_model(with_address=has["address"], with_town=has["town"], mode=mode)
    if blocking_sql is not None:
        model["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": sql, "sql_dialect": "duckdb"} for sql in blocking_sql
        ]
    # Bounded memory: DuckDB spills to disk beyond this rather than taking the machine.
    connection = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    db_api = DuckDBAPI(connection)
    names = ["left_records", "right_records"]
    frames = [db_api.register(t, table_name=n) for t, n in zip(tables, names, strict=False)]
    linker = Linker(frames if len(frames) > 1 else frames[0], model, log_level=30)
    return Model(linker, trained, mode, choice, tuple(tables))


def _mostly_uk_postcodes(tables: Sequence[pa.Table]) -> bool:
    values = [v for t in tables for v in t["postcode"].slice(0, 2000).to_pylist() if v]
    return sum(bool(_UK_POSTCODE.match(v)) for v in values) >= 0.5 * max(len(values), 1)


def _sample(table: pa.Table, seed: int, limit: int = TRAINING_RECORDS) -> pa.Table:
    """At most `limit` rows, chosen by a seeded generator: the same input trains the same model."""
    if table.num_rows <= limit:
        return table
    rows = np.random.default_rng(seed).choice(table.num_rows, size=limit, replace=False)
    return table.take(pa.array(np.sort(rows)))


# Expectation maximisation runs once per rule: each session estimates m for the comparisons its
# rule does not fix, so between them every comparison is estimated at least once.
EM_RULES = (("birth_date",), ("postcode",), ("given_name", "family_name"))


def _train(tables: Sequence[pa.Table], model_settings) -> dict:
    """Estimate the model on these (sampled) tables in a linker of their own; returns the
    trained settings for the linker that predicts on the full tables.

    Sampling both sides independently keeps the share of true pairs among any blocked pairs, and
    so the probability that two random records match, the same as in the full tables."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    connection = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        db_api = DuckDBAPI(connection)
        frames = [
            db_api.register(t, table_name=n)
            for t, n in zip(tables, ["left_training", "right_training"], strict=False)
        ]
        linker = Linker(frames if len(frames) > 1 else frames[0], model_settings, log_level=30)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "family_name", "birth_date")], recall=0.8
        )
        small = sum(t.num_rows for t in tables) < 100_000
        linker.training.estimate_u_using_random_sampling(
            max_pairs=U_MAX_PAIRS_SMALL if small else U_MAX_PAIRS, seed=TRAINING_SEED
        )
        for columns in EM_RULES:
            if not all(_has_values(t, c) for t in tables for c in columns):
                continue
            # No comparison uses term frequencies, so EM can iterate on counts of agreement
            # patterns instead of on every pair: the same estimates, much less work.
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True
            )
        return linker.misc.save_model_to_json()
    finally:
        connection.close()


def _default_model(*, with_address: bool, with_town: bool, mode: str = "link") -> dict:
    """The shipped model, plus the address and town comparisons (with their preset parameters)
    when both extracts have them, with this mode's link type."""
    model = json.loads(DEFAULT_MODEL.read_text())
    extra = ([_address_comparison()] if with_address else []) + (
        [_town_comparison()] if with_town else []
    )
    model["comparisons"] += [c.create_comparison_dict("duckdb") for c in extra]
    model["link_type"] = MODES[mode]
    # the blocking rules of ADR 0063 in every mode, not the ones saved with the model
    model["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": sql, "sql_dialect": "duckdb"}
        for sql in blocking_rule_sql(blocking_rules(with_address=with_address, with_town=with_town))
    ]
    return model


def candidate_pairs(model: Model, *, exact: bool = False) -> int:
    """How many pairs the blocking rules put up for scoring (each pair once). Counted on a 5%
    sample of records per side and scaled up unless `exact`."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    linker = model.linker
    frames = list(linker._input_tables_dict.values())
    rules = linker._settings_obj._blocking_rules_to_generate_predictions
    counts = count_comparisons_from_blocking_rules(
        frames if len(frames) > 1 else frames[0],
        blocking_rules=[r.blocking_rule_sql for r in rules],
        link_type=MODES[model.mode],
        record_sample_proportion=1.0 if exact else 0.05,
    )
    last = counts[-1]
    return int(
        last["cumulative_comparison_count"]
        if isinstance(last, dict)
        else last.cumulative_comparison_count
    )


def blocking_recall(model: Model, truth: Sequence[tuple[str, str]]) -> dict:
    """Of the true pairs (ids; first from the left table, second from the right, or both from
    the one table when deduplicating), how many some blocking rule puts up for scoring, overall
    and per rule."""
    import duckdb

    rules = [
        r.blocking_rule_sql
        for r in model.linker._settings_obj._blocking_rules_to_generate_predictions
    ]
    con = duckdb.connect()
    try:
        tables = list(model.tables)
        left = tables[0]
        right = tables[-1]
        if model.mode == "link-dedupe":
            left = right = pa.concat_tables([tables[0], tables[1]])
        con.register("lt", left)
        con.register("rt", right)
        con.register(
            "truth",
            pa.table({"a": [str(a) for a, _ in truth], "b": [str(b) for _, b in truth]}),
        )
        flags = ", ".join(f"coalesce(({sql}), false) AS rule_{i}" for i, sql in enumerate(rules))
        # dedupe rules are symmetric: the pair is blocked whichever record is on the left
        rows = con.execute(
            f"SELECT {flags} FROM truth JOIN lt l ON l.unique_id = truth.a "  # noqa: S608 (our own rule SQL)
            "JOIN rt r ON r.unique_id = truth.b"
        ).fetchall()
    finally:
        con.close()
    found = sum(any(row) for row in rows)
    return {
        "true_pairs": len(truth),
        "true_pairs_with_both_records": len(rows),
        "blocked": found,
        "recall": round(found / max(len(truth), 1), 5),
        "by_rule": {sql: sum(row[i] for row in rows) for i, sql in enumerate(rules)},
    }


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
    # vectorised (a Python loop over the pairs cost seconds per million at 3M x 1M)
    ids = ordered["unique_id_r"].combine_chunks()
    n = len(ids)
    same_as_previous = np.zeros(n, dtype=bool)
    if n > 1:
        same_as_previous[1:] = pc.equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(
            zero_copy_only=False
        )
    first = ~same_as_previous
    probabilities = ordered["match_probability"].to_numpy()
    runner_up = np.full(n, np.nan)
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = same_as_previous[1:]
    runner_up[:-1] = np.where(has_next[:-1], probabilities[1:], np.nan)
    keep = pa.array(first)
    best = ordered.filter(keep)
    chosen = runner_up[first]
    return best.append_column(
        "runner_up_probability", pa.array(chosen, pa.float64(), mask=np.isnan(chosen))
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


def clusters(pairs: pa.Table, threshold: float = UPPER) -> dict[tuple[str, str], int]:
    """Group records joined by pairs at or above `threshold` (connected components): the
    answer of a deduplication. Keys are (source, id) with source "" outside link-dedupe mode;
    values are cluster numbers (the smallest member's position, stable for the same input)."""
    chosen = pairs.filter(pc.greater_equal(pairs["match_probability"], threshold))
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(_keys(chosen, "l"), _keys(chosen, "r"), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = sorted(set(parent) | set(parent.values()))
    roots = {root: n for n, root in enumerate(sorted({find(m) for m in members}))}
    return {m: roots[find(m)] for m in members}


def _keys(table: pa.Table, side: str) -> list[tuple[str, str]]:
    ids = [str(v) for v in table[f"unique_id_{side}"].to_pylist()]
    column = f"source_dataset_{side}"
    sources = table[column].to_pylist() if column in table.column_names else [""] * len(ids)
    return list(zip(sources, ids, strict=True))


def cluster_pairs(pairs: pa.Table, threshold: float = UPPER) -> set[tuple[tuple, tuple]]:
    """Every pair of records in the same cluster (each pair once, ordered)."""
    from itertools import combinations

    groups: dict[int, list] = {}
    for member, number in clusters(pairs, threshold).items():
        groups.setdefault(number, []).append(member)
    return {pair for group in groups.values() for pair in combinations(sorted(group), 2)}


def pair_scores(found, truth, *, symmetric: bool = False) -> dict:
    """Precision, recall and F1 of `found` pairs against `truth` pairs (ids). `symmetric`: a pair
    and its mirror image are the same pair (deduplication)."""
    norm = (lambda p: tuple(sorted(map(str, p)))) if symmetric else (lambda p: tuple(map(str, p)))
    found = {norm(p) for p in found}
    truth = {norm(p) for p in truth}
    hits = len(found & truth)
    precision = hits / max(len(found), 1)
    recall = hits / max(len(truth), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {
        "pairs": len(found),
        "true_pairs": len(truth),
        "true_positives": hits,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
    }
