"""Data preparation for evaluation, written once in Ibis (DuckDB or Spark through `Dataset`).

Three shapes, all built from one function, `person_windows`:

- **cohort**: people alive and in scope on an index date, with baseline covariates (age band, sex,
  eFI coded deficits, conditions, prior emergency admissions and A&E in the year before);
- **person-windows**: one row per cohort member and time window (a month, a year, or the whole
  pre and post periods) with exposure (person-years alive in the window) and outcome counts
  (for length of stay: the stays as exposure and their bed days as the count);
- **area-months**: the person-months summed to area x locality x month: events and person-years,
  so the monthly rate per 1,000 person-years is events / person_years x 1,000.

Person-time is collapsed by window, not by covariates: a person-month row is the finest grain,
and the designs sum it as they need (pre/post per person; month per area).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at
from caretrust.population.frailty import coded_deficits

DAYS_PER_YEAR = 365.25
AGE_BANDS = (65, 75, 85)  # 65-74, 75-84, 85+


CARE_HOME_SERVICES = ("long_term_residential", "long_term_nursing")


@dataclass(frozen=True)
class Outcome:
    """What an evaluation counts, and per what.

    ``measure`` "rate": events per person-year alive (the effect is a rate ratio, its absolute
    difference per 1,000 people a year). ``measure`` "per_stay": bed days per emergency stay (a
    Poisson model of bed days with the number of stays as exposure, so the ratio is a ratio of
    mean lengths of stay and the absolute difference is in days per stay). In both the prepared
    tables call the numerator ``events`` and the denominator ``exposure``.

    ``planted`` names the effect in the synthetic population's truth/effects.json that this
    outcome is compared with; :func:`planted_rate_ratio` turns it into the ratio to recover.
    """

    name: str
    label: str
    kind: str  # encounters.kind, or "care_home" (social care services)
    exclude_died: bool = False
    measure: str = "rate"
    planted: str | None = None
    plural: bool = True  # "admissions ... were", "length of stay ... was"
    fewer: str = "lower"
    more: str = "higher"

    @property
    def unit(self) -> str:
        return "days per stay" if self.measure == "per_stay" else "per 1,000 people a year"

    @property
    def scale(self) -> float:
        """The absolute difference is (rate x scale): per 1,000 person-years, or days as they are."""
        return 1.0 if self.measure == "per_stay" else 1000.0

    def definition(self) -> str:
        if self.kind == "care_home":
            return (
                f"{self.label} (a person's first long-term residential or nursing service, "
                "social_care_events)"
            )
        died = ", not ending in death" if self.exclude_died else ""
        if self.measure == "per_stay":
            return (
                f"{self.label} (bed days, discharge minus admission date, per emergency stay; "
                f"encounters.kind = {self.kind!r}{died})"
            )
        return f"{self.label} (encounters.kind = {self.kind!r}{died})"

    def events(self, ds: Dataset) -> ir.Table:
        """One row per event: ``person_id``, ``day`` and ``bed_days`` (0 where not a stay)."""
        if self.kind == "care_home":
            services = ds.table("social_care_events")
            homes = services.filter(
                (services.event_type == "service")
                & (services.client_type == "service_user")
                & services.service_type.isin(CARE_HOME_SERVICES)
            )
            # a move between residential and nursing care is not a new admission (as ASCOF 2C)
            first = homes.group_by("person_id").aggregate(day=homes.start_date.min().cast("date"))
            return first.mutate(bed_days=ibis.literal(0, "int64"))
        enc = ds.table("encounters")
        chosen = enc.filter(enc.kind == self.kind)
        if self.exclude_died:
            # terminal admissions are not what integration aims to avoid
            chosen = chosen.filter(chosen.discharge_destination.fill_null("") != "died")
        stay = chosen.end_date.cast("date").delta(chosen.start_date.cast("date"), unit="day")
        return chosen.select(
            "person_id",
            day=chosen.start_date.cast("date"),
            bed_days=ibis.greatest(stay.cast("int64").fill_null(0), 0),
        )


OUTCOMES = {
    "emergency_admissions": Outcome(
        "emergency_admissions",
        "Emergency admissions",
        "emergency_admission",
        exclude_died=True,
        planted="emergency_admissions",
    ),
    "care_home_admissions": Outcome(
        "care_home_admissions",
        "Care home admissions",
        "care_home",
        planted="care_home_admissions_diverted_to_home_care",
    ),
    "emergency_length_of_stay": Outcome(
        "emergency_length_of_stay",
        "Emergency length of stay",
        "emergency_admission",
        exclude_died=True,
        measure="per_stay",
        planted="emergency_length_of_stay",
        plural=False,
        fewer="shorter",
        more="longer",
    ),
    "ae_attendances": Outcome("ae_attendances", "A&E attendances", "ae"),
}


def planted_rate_ratio(truth: dict, outcome: Outcome) -> float | None:
    """The ratio an evaluation of ``outcome`` should recover, from truth/effects.json.

    Emergency admissions and length of stay are planted as relative changes (ratio 1 + size);
    care home admissions as the share diverted to home care (ratio 1 - size). None when the
    outcome has no planted effect. The window is the effects' start (or each locality's) to the
    end of the run, the same for all three.
    """
    if outcome.planted is None:
        return None
    effect = next(e for e in truth["effects"] if e["name"] == outcome.planted)
    if effect["kind"] == "share_diverted":
        return 1.0 - float(effect["size"])
    return 1.0 + float(effect["size"])


@dataclass(frozen=True)
class CohortRule:
    """Who is evaluated: aged `min_age`+ on the index date, and frail if `frail_only`.

    Frail here means more than 4 of the 36 eFI deficits coded (eFI > 0.12) by the index date,
    from conditions only (polypharmacy is left out so the cohort is fixed by coded history).
    """

    min_age: int = 65
    frail_only: bool = True
    min_deficits: int = 5

    def describe(self) -> str:
        if self.frail_only:
            return f"frail people aged {self.min_age}+"
        return f"people aged {self.min_age}+"

    def definition(self) -> str:
        frail = f" with {self.min_deficits}+ coded eFI deficits" if self.frail_only else ""
        return f"people aged {self.min_age}+{frail}, alive on the index date"


def cohort(ds: Dataset, index_date: dt.date, rule: CohortRule = CohortRule()) -> ir.Table:
    """One row per person in scope on ``index_date`` with baseline covariates."""
    when = ibis.literal(index_date)
    people = ds.people
    alive = people.filter(
        (people.birth_date <= index_date)
        & (people.death_date.isnull() | (people.death_date > index_date))
    )
    base = alive.select(
        "person_id",
        "area",
        "locality",
        "gp_practice",
        "sex",
        "birth_date",
        "death_date",
        age=age_at(alive.birth_date, when),
        lives_alone=alive.lives_alone.fill_null(False).cast("int64"),
    ).filter(lambda t: t.age >= rule.min_age)
    deficits = coded_deficits(ds, index_date)
    deficits = deficits.group_by("person_id").aggregate(deficits=deficits.count())
    conditions = ds.table("conditions")
    held = conditions.filter(conditions.onset_date <= index_date)
    n_conditions = held.group_by("person_id").aggregate(n_conditions=held.code.nunique())
    enc = ds.table("encounters")
    year_ago = add_days(when, -365)
    past = enc.filter((enc.start_date > year_ago) & (enc.start_date <= index_date))
    use = past.group_by("person_id").aggregate(
        prior_emergency=(past.kind == "emergency_admission").cast("int64").sum(),
        prior_ae=(past.kind == "ae").cast("int64").sum(),
    )
    table = base
    for part in (deficits, n_conditions, use):
        table = table.left_join(part, "person_id").drop("person_id_right")
    table = table.mutate(
        deficits=table.deficits.fill_null(0).cast("int64"),
        n_conditions=table.n_conditions.fill_null(0).cast("int64"),
        prior_emergency=table.prior_emergency.fill_null(0).cast("int64"),
        prior_ae=table.prior_ae.fill_null(0).cast("int64"),
        female=(table.sex == "female").cast("int64"),
        age_band=ibis.cases(
            (table.age >= AGE_BANDS[2], f"{AGE_BANDS[2]}+"),
            (table.age >= AGE_BANDS[1], f"{AGE_BANDS[1]}-{AGE_BANDS[2] - 1}"),
            else_=f"{AGE_BANDS[0]}-{AGE_BANDS[1] - 1}",
        ),
    )
    if rule.frail_only:
        table = table.filter(table.deficits >= rule.min_deficits)
    return table


def windows_table(windows: list[tuple[str, dt.date, dt.date]]) -> ir.Table:
    """A small table of (window, start, end) half-open date windows."""
    frame = pd.DataFrame(windows, columns=["window", "window_start", "window_end"])
    return ibis.memtable(frame).mutate(
        window_start=ibis._.window_start.cast("date"), window_end=ibis._.window_end.cast("date")
    )


def month_windows(first: dt.date, last: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Calendar months from the month of ``first`` up to (not including) the month of ``last``."""
    out, day = [], first.replace(day=1)
    while day < last:
        following = (day + dt.timedelta(days=32)).replace(day=1)
        out.append((day.strftime("%Y-%m"), day, following))
        day = following
    return out


def person_windows(
    ds: Dataset,
    people: ir.Table,
    windows: list[tuple[str, dt.date, dt.date]],
    outcome: Outcome,
) -> ir.Table:
    """Cohort x windows: ``events`` and ``exposure``.

    For a rate outcome, ``exposure`` is person-years alive in the window and ``events`` the
    outcome events; for a per-stay outcome (length of stay) ``exposure`` is the number of stays
    starting in the window and ``events`` their bed days.
    """
    win = windows_table(windows)
    grid = people.select("person_id", "death_date").cross_join(win)
    stop = ibis.least(grid.window_end, grid.death_date.fill_null(grid.window_end))
    days = stop.delta(grid.window_start, unit="day").cast("int64")
    grid = grid.mutate(person_years=ibis.greatest(days, 0).cast("float64") / DAYS_PER_YEAR)
    events = outcome.events(ds).semi_join(people.select("person_id"), "person_id")
    hits = events.cross_join(win).filter(
        lambda t: (t.day >= t.window_start) & (t.day < t.window_end)
    )
    counts = hits.group_by(["person_id", "window"]).aggregate(
        n_events=hits.count(), bed_days=hits.bed_days.sum()
    )
    joined = grid.left_join(counts, ["person_id", "window"])
    count = joined.n_events.fill_null(0).cast("int64")
    if outcome.measure == "per_stay":
        numerator = joined.bed_days.fill_null(0).cast("int64")
        exposure = count.cast("float64")
    else:
        numerator, exposure = count, joined.person_years
    return joined.select(
        joined.person_id,
        joined.window,
        joined.window_start,
        exposure=exposure,
        events=numerator,
    )


def area_months(
    ds: Dataset,
    people: ir.Table,
    first: dt.date,
    last: dt.date,
    outcome: Outcome,
) -> ir.Table:
    """Events and exposure by area, locality and month (cohort fixed on the index date); the
    exposure column keeps its name ``person_years`` (stays, for a per-stay outcome)."""
    rows = person_windows(ds, people, month_windows(first, last), outcome)
    rows = rows.join(people.select("person_id", "area", "locality"), "person_id")
    return (
        rows.group_by(["area", "locality", "window", "window_start"])
        .aggregate(events=rows.events.sum(), person_years=rows.exposure.sum())
        .rename(month="window")
    )


def to_frame(ds: Dataset, expr: ir.Table, order: list[str]) -> pd.DataFrame:
    """Execute and sort, so the same data gives the same frame on either engine."""
    frame = ds.execute(expr)
    for column in frame.columns:
        if column.endswith("_start") or column in ("birth_date", "death_date"):
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame.sort_values(order, kind="mergesort").reset_index(drop=True)
