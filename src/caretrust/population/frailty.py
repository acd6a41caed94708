"""Electronic Frailty Index (Clegg et al., Age and Ageing 2016;45(3):353–360).

35 coded deficits (code list: codelists/efi_snomed.csv, the published eFI code sets as GM-SDE
maps them to SNOMED CT) plus polypharmacy from prescriptions. A deficit is present if one of its
codes was ever recorded on or before the scoring date.

eFI = deficits present ÷ 36, always. With no prescriptions table polypharmacy is unknown: it is
counted as absent (so the score is a lower bound, never inflated by a smaller denominator) and every
row says so in ``polypharmacy_basis`` = "unknown". Dividing by 35 instead would move the category
boundaries in deficits and make scores from areas with and without prescribing data incomparable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import ibis
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at, read_data_csv

CODELIST_VERSION = "gm-sde-efi-v1 (GM-SDE commit 6cf10afc0d74, code sets of 2024-03-07)"
SOURCE = "Clegg A et al. Age and Ageing 2016;45(3):353-360"
CODELIST_SOURCE = "https://github.com/UoM-Data-Science-Platforms/gm-sde (shared/clinical-code-sets)"
DENOMINATOR = 36
# (upper bound of eFI, category) — inclusive upper bounds, per Clegg 2016
CATEGORIES = ((12, "fit"), (24, "mild"), (36, "moderate"))


@dataclass(frozen=True)
class PolypharmacyRule:
    """The eFI's polypharmacy deficit: at least ``min_drugs`` different medicines prescribed in the
    12 months up to and including the scoring date (Clegg's algorithm as the GM-SDE eFI records it:
    "5 different meds in a 12 month period"; Clegg et al. 2016 list polypharmacy as one of the 36
    deficits).

    "Different medicines" are distinct ``drug_code`` values when the prescriptions table has that
    column (dm+d), else distinct ``drug_class`` (BNF section) values: two drugs of one section then
    count once, so the deficit can be missed but never invented; ``polypharmacy_basis`` says which.
    """

    min_drugs: int = 5
    window_days: int = 365


def efi_category(deficits: int, denominator: int = DENOMINATOR) -> str:
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
    """The eFI SNOMED CT code list: columns deficit, code, term, code_set. A code may stand for
    two deficits (48 do in the published sets, e.g. osteoporosis is also a fragility-fracture code):
    each counts, as in the source."""
    return pd.DataFrame(read_data_csv("caretrust.population.codelists", "efi_snomed.csv"))


def coded_deficits(ds: Dataset, as_of: dt.date) -> ibis.Table:
    """One row per (person_id, deficit) present by ``as_of``."""
    conditions = ds.table("conditions")
    codes = ibis.memtable(codelist()[["deficit", "code"]])
    recorded = conditions.filter(conditions.onset_date <= as_of)
    joined = recorded.join(codes, recorded.code == codes.code)
    return joined.select("person_id", "deficit").distinct()


def polypharmacy_basis(ds: Dataset) -> str:
    """What polypharmacy is counted on here: drug_code, drug_class, or unknown (no prescriptions)."""
    if not ds.has("prescriptions"):
        return "unknown"
    return "drug_code" if "drug_code" in ds.table("prescriptions").columns else "drug_class"


def polypharmacy(ds: Dataset, as_of: dt.date, rule: PolypharmacyRule) -> ibis.Table:
    """person_id of people meeting the polypharmacy rule on ``as_of``."""
    rx = ds.table("prescriptions")
    window_start = add_days(ibis.literal(as_of), -(rule.window_days - 1))
    recent = rx.filter((rx.issue_date >= window_start) & (rx.issue_date <= as_of))
    drug = recent[polypharmacy_basis(ds)]
    drugs = recent.group_by("person_id").aggregate(n_drugs=drug.nunique())
    return drugs.filter(drugs.n_drugs >= rule.min_drugs).select("person_id")


def frailty_scores(
    ds: Dataset,
    as_of: dt.date,
    *,
    min_age: int | None = 65,
    rule: PolypharmacyRule = PolypharmacyRule(),
) -> ibis.Table:
    """frailty.parquet rows for people alive on ``as_of`` (aged ≥ ``min_age`` if given).

    Columns: person_id, as_of, deficits, denominator (always 36), efi, category,
    polypharmacy_basis (drug_code, drug_class or unknown: see PolypharmacyRule).
    """
    people = ds.people
    alive = people.filter(
        (people.birth_date <= as_of) & (people.death_date.isnull() | (people.death_date > as_of))
    )
    if min_age is not None:
        alive = alive.filter(age_at(alive.birth_date, ibis.literal(as_of)) >= min_age)
    coded = coded_deficits(ds, as_of).select("person_id")
    basis = polypharmacy_basis(ds)
    if basis != "unknown":
        coded = coded.union(polypharmacy(ds, as_of, rule), distinct=False)
    counts = coded.group_by("person_id").aggregate(n=coded.count())
    denominator = DENOMINATOR
    scored = alive.select("person_id").left_join(counts, "person_id")
    deficits = scored.n.fill_null(0).cast("int64")
    return scored.select(
        person_id=scored.person_id,
        as_of=ibis.literal(as_of).cast("date"),
        deficits=deficits,
        denominator=ibis.literal(denominator).cast("int64"),
        efi=deficits.cast("float64") / denominator,
        category=category_expr(deficits, ibis.literal(denominator)),
        polypharmacy_basis=ibis.literal(basis),
    )
