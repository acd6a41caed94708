"""Electronic Frailty Index (Clegg et al., Age and Ageing 2016;45(3):353–360).

35 coded deficits (code list: codelists/efi_snomed.csv) plus polypharmacy from prescriptions.
eFI = deficits present ÷ 36, or ÷ 35 when there is no prescribing data. A deficit is present if one
of its codes was ever recorded on or before the scoring date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import ibis
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at, read_data_csv

CODELIST_VERSION = "caretrust-efi-snomed-v1 (2025.1)"
SOURCE = "Clegg A et al. Age and Ageing 2016;45(3):353-360"
# (upper bound of eFI, category) — inclusive upper bounds, per Clegg 2016
CATEGORIES = ((12, "fit"), (24, "mild"), (36, "moderate"))


@dataclass(frozen=True)
class PolypharmacyRule:
    """Documented choice (the original rule is not published in full): at least ``min_classes``
    distinct BNF drug classes issued in the ``window_days`` up to and including the scoring date."""

    min_classes: int = 5
    window_days: int = 90


def efi_category(deficits: int, denominator: int = 36) -> str:
    """fit (eFI ≤ 0.12), mild (≤ 0.24), moderate (≤ 0.36) or severe (> 0.36).

    Compared in integers (deficits × 100 ≤ bound × denominator) so no boundary is lost to rounding.
    """
    if denominator <= 0 or not 0 <= deficits <= denominator:
        raise ValueError(f"need 0 ≤ deficits ≤ denominator > 0, got {deficits}/{denominator}")
    for bound, name in CATEGORIES:
        if deficits * 100 <= bound * denominator:
            return name
    return "severe"


def category_expr(deficits: ibis.Value, denominator: ibis.Value) -> ibis.Value:
    """`efi_category` as an Ibis expression (same integer comparison)."""
    scaled = deficits * 100
    return ibis.cases(
        (scaled <= 12 * denominator, "fit"),
        (scaled <= 24 * denominator, "mild"),
        (scaled <= 36 * denominator, "moderate"),
        else_="severe",
    )


@cache
def codelist() -> pd.DataFrame:
    """The eFI SNOMED CT code list: columns deficit, code, term."""
    return pd.DataFrame(read_data_csv("caretrust.population.codelists", "efi_snomed.csv"))


def coded_deficits(ds: Dataset, as_of: dt.date) -> ibis.Table:
    """One row per (person_id, deficit) present by ``as_of``."""
    conditions = ds.table("conditions")
    codes = ibis.memtable(codelist()[["deficit", "code"]])
    recorded = conditions.filter(conditions.onset_date <= as_of)
    joined = recorded.join(codes, recorded.code == codes.code)
    return joined.select("person_id", "deficit").distinct()


def polypharmacy(ds: Dataset, as_of: dt.date, rule: PolypharmacyRule) -> ibis.Table:
    """person_id of people meeting the polypharmacy rule on ``as_of``."""
    rx = ds.table("prescriptions")
    window_start = add_days(ibis.literal(as_of), -(rule.window_days - 1))
    recent = rx.filter((rx.issue_date >= window_start) & (rx.issue_date <= as_of))
    classes = recent.group_by("person_id").aggregate(n_classes=recent.drug_class.nunique())
    return classes.filter(classes.n_classes >= rule.min_classes).select("person_id")


def frailty_scores(
    ds: Dataset,
    as_of: dt.date,
    *,
    min_age: int | None = 65,
    rule: PolypharmacyRule = PolypharmacyRule(),
) -> ibis.Table:
    """frailty.parquet rows for people alive on ``as_of`` (aged ≥ ``min_age`` if given).

    Columns: person_id, as_of, deficits, denominator, efi, category.
    """
    people = ds.people
    alive = people.filter(
        (people.birth_date <= as_of) & (people.death_date.isnull() | (people.death_date > as_of))
    )
    if min_age is not None:
        alive = alive.filter(age_at(alive.birth_date, ibis.literal(as_of)) >= min_age)
    coded = coded_deficits(ds, as_of).select("person_id")
    with_rx = ds.has("prescriptions")
    if with_rx:
        coded = coded.union(polypharmacy(ds, as_of, rule), distinct=False)
    counts = coded.group_by("person_id").aggregate(n=coded.count())
    denominator = 36 if with_rx else 35
    scored = alive.select("person_id").left_join(counts, "person_id")
    deficits = scored.n.fill_null(0).cast("int64")
    return scored.select(
        person_id=scored.person_id,
        as_of=ibis.literal(as_of).cast("date"),
        deficits=deficits,
        denominator=ibis.literal(denominator).cast("int64"),
        efi=deficits.cast("float64") / denominator,
        category=category_expr(deficits, ibis.literal(denominator)),
    )
