"""The baseline of a projection, prepared with Ibis (DuckDB or Spark) from the contract tables.

One year of the record (by default the latest full financial year, April to March) becomes small
arrays: the population alive at the start of the year by area, sex, single year of age and frailty
category; each care setting's activity of those people in the year by area, sex, five-year age band
and frailty; deaths in the year; and frailty transitions over the year before. Monte Carlo runs
work on these cells, never on people, so their cost does not grow with the size of the place.

How each setting comes from the contract (docs/data-contract.md):

- GP contacts, A&E attendances, emergency and elective admissions: ``encounters.kind``, counted on
  ``start_date`` in the year.
- Emergency bed days: ``end_date − start_date`` of emergency admissions starting in the year (the
  whole spell belongs to its admission year; a same-day spell counts 0).
- Community nursing visits: **not in the contract.** Proxy: emergency admissions discharged home
  (``home``, ``home_with_reablement``) × ``NURSING_VISITS_PER_DISCHARGE_HOME`` (an ASSUMPTION), the
  commonest trigger of a district-nursing episode that the record does hold. Replace it when
  community services data (CSDS) joins the contract.
- Reablement episodes: social-care ``service`` events with ``service_component = reablement`` or
  ``service_type = short_term_st_max`` starting in the year.
- Home care hours: ``home_care`` services paid ``hourly``: planned units a week × days of the
  service inside the year ÷ 7.
- Residential and nursing care-home placements: ``long_term_residential`` / ``long_term_nursing``
  services starting in the year; weeks: days of those services inside the year ÷ 7.

Activity is that of people alive on the first day of the year (rates per head of that population,
which is what the projection multiplies); people who appear during the year are not in the record's
denominator either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at, days_between
from caretrust.population.frailty import frailty_scores
from caretrust.population.projection.scenario import FRAILTY, SETTING_IDS

SEXES: tuple[str, ...] = ("female", "male")
MAX_AGE = 100  # single years 0..99 and 100+
N_AGES = MAX_AGE + 1
BAND_WIDTH = 5
N_BANDS = 19  # 0-4 … 85-89, 90+
OLD_BANDS = tuple(range(13, N_BANDS))  # 65-69 … 90+: where eFI is scored
#: ASSUMPTION: district-nursing visits per emergency discharge home (community nursing proxy).
NURSING_VISITS_PER_DISCHARGE_HOME = 4.0


def band_of_age(age: np.ndarray | int) -> np.ndarray:
    return np.minimum(np.asarray(age) // BAND_WIDTH, N_BANDS - 1)


def band_label(band: int) -> str:
    lo = band * BAND_WIDTH
    return f"{lo}+" if band == N_BANDS - 1 else f"{lo}-{lo + BAND_WIDTH - 1}"


def to_bands(population: np.ndarray) -> np.ndarray:
    """Sum single years of age (axis -2) into the 19 five-year bands."""
    bands = band_of_age(np.arange(N_AGES))
    out = np.zeros((*population.shape[:-2], N_BANDS, population.shape[-1]))
    for band in range(N_BANDS):
        out[..., band, :] = population[..., bands == band, :].sum(axis=-2)
    return out


@dataclass
class Baseline:
    """A year of the record as arrays (A areas, 2 sexes, 101 ages / 19 bands, 5 frailty groups).

    ``population[a, x, age, f]`` alive on ``year_start``; ``activity[a, x, band, f, s]`` in the
    year; ``deaths[a, x, band, f]`` in the year; ``transitions[band, f_from, f_to]`` counts of
    people 65+ over the previous year (fit..severe, indices 1..4); ``entry[x, f]`` frailty mix of
    people aged 65 (used when the under-65s turn 65).
    """

    year_start: dt.date
    areas: tuple[str, ...]
    population: np.ndarray
    activity: np.ndarray
    squares: np.ndarray  # Σ over people of (person's amount)², same shape as activity
    deaths: np.ndarray
    transitions: np.ndarray
    entry: np.ndarray
    notes: list[str] = field(default_factory=list)
    #: [a, x, band, f] emergency discharges home with reablement in the year: the reablement
    #: episodes that follow an emergency admission (an avoided admission avoids them too)
    reablement_after_discharge: np.ndarray | None = None
    #: [a, x, band, f, s] the part of each cell's activity from emergency stays that end in death
    #: (``discharge_destination = died``): admissions and their bed days, zero in other settings.
    #: Admission avoidance and length-of-stay levers act on the rest (NHP keeps end-of-life
    #: admissions in a strategy of their own, and a stay that ends in death has no discharge to
    #: bring forward).
    ending_in_death: np.ndarray | None = None
    #: [a, x, band, f] A&E attendances on the day an emergency admission that does not end in
    #: death begins (same person): the attendance that brought the admission; an avoided admission
    #: avoids it too.
    ae_with_admission: np.ndarray | None = None

    @property
    def year(self) -> int:
        """The baseline year, named by its start (2020 = April 2020 to March 2021)."""
        return self.year_start.year

    def band_population(self) -> np.ndarray:
        """population summed into bands: [a, x, band, f]."""
        return to_bands(self.population)

    def totals(self) -> dict[str, float]:
        flat = self.activity.sum(axis=(0, 1, 2, 3))
        return {s: float(flat[i]) for i, s in enumerate(SETTING_IDS)}

    def rates(self) -> np.ndarray:
        """Activity per head [a, x, band, f, s]; an empty cell borrows the rate of the same band,
        sex and frailty over all areas, then over both sexes, so people ageing into a cell that is
        empty today still use care."""
        pop = self.band_population()
        with np.errstate(invalid="ignore", divide="ignore"):
            own = self.activity / pop[..., None]
            by_sex = self.activity.sum(0) / pop.sum(0)[..., None]
            pooled = self.activity.sum((0, 1)) / pop.sum((0, 1))[..., None]
        rates = np.where(np.isfinite(own), own, np.broadcast_to(by_sex, own.shape))
        rates = np.where(np.isfinite(rates), rates, np.broadcast_to(pooled, own.shape))
        return np.nan_to_num(rates, nan=0.0, posinf=0.0)

    def mortality(self) -> np.ndarray:
        """Yearly probability of death [x, band, f] from a Poisson model of the record's deaths
        (log-linear in band, sex and frailty, offset log population), pooled over areas.

        Raw cell rates are too noisy in a small place (no deaths among 11 severely frail people
        would make them immortal), so the model borrows strength across cells."""
        import warnings

        import statsmodels.api as sm

        pop = self.band_population().sum(0)  # [x, band, f]
        deaths = self.deaths.sum(0)
        x, band, f = np.meshgrid(
            np.arange(2), np.arange(N_BANDS), np.arange(len(FRAILTY)), indexing="ij"
        )
        frame = pd.DataFrame(
            {
                "sex": x.ravel(),
                "band": band.ravel(),
                "frailty": f.ravel(),
                "pop": pop.ravel(),
                "deaths": deaths.ravel(),
            }
        )
        # frailty enters as an ordered score (fit 0 … severe 3) so that a category with few
        # people borrows the gradient of the others; under-65s get their own term
        design = pd.get_dummies(frame[["band"]].astype(str), drop_first=True, dtype=float)
        design.insert(0, "const", 1.0)
        design["male"] = frame.sex.astype(float)
        design["frailty_score"] = np.maximum(frame.frailty - 1, 0).astype(float)
        seen = frame["pop"].to_numpy() > 0
        if deaths.sum() == 0 or seen.sum() <= design.shape[1]:
            with np.errstate(invalid="ignore", divide="ignore"):
                q = np.where(pop > 0, deaths / pop, 0.0)
            return np.clip(q, 0.0, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(
                frame.deaths[seen],
                design[seen],
                family=sm.families.Poisson(),
                offset=np.log(frame["pop"][seen]),
            ).fit()
        rate = np.exp(design.to_numpy() @ np.asarray(model.params))
        # yearly rate → probability of dying within the year
        return np.clip(1.0 - np.exp(-rate), 0.0, 1.0).reshape(pop.shape)

    def transition_matrix(self) -> np.ndarray:
        """Yearly frailty transition probabilities [band, f_from, f_to] (identity when unseen)."""
        counts = self.transitions.astype(float)
        totals = counts.sum(axis=2, keepdims=True)
        eye = np.broadcast_to(np.eye(len(FRAILTY)), counts.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            probs = np.where(totals > 0, counts / totals, eye)
        return probs

    def frame(self) -> pd.DataFrame:
        """Long table of the cells: area, sex, age_band, frailty, population, and one column per
        setting (activity)."""
        pop = self.band_population()
        index = pd.MultiIndex.from_product(
            [self.areas, SEXES, [band_label(b) for b in range(N_BANDS)], FRAILTY],
            names=["area", "sex", "age_band", "frailty"],
        )
        frame = pd.DataFrame(self.activity.reshape(-1, len(SETTING_IDS)), index=index)
        frame.columns = list(SETTING_IDS)
        frame.insert(0, "population", pop.reshape(-1))
        frame.insert(1, "deaths", self.deaths.reshape(-1))
        frame = frame[frame.population > 0].reset_index()
        return frame


def latest_full_year(ds: Dataset) -> dt.date:
    """Start (1 April) of the latest financial year that ends on or before the last encounter."""
    enc = ds.table("encounters")
    last = ds.execute(enc.start_date.max())
    last = last.date() if hasattr(last, "date") else last
    after = last + dt.timedelta(days=1)
    end_year = after.year if (after.month, after.day) >= (4, 1) else after.year - 1
    return dt.date(end_year - 1, 4, 1)


def first_event_date(ds: Dataset) -> dt.date:
    enc = ds.table("encounters")
    first = ds.execute(enc.start_date.min())
    return first.date() if hasattr(first, "date") else first


def _cells(ds: Dataset, start: dt.date) -> ibis.Table:
    """person_id, area, sex, age (capped), band, frailty index, died_in_year for people alive on
    ``start``."""
    end = start.replace(year=start.year + 1)
    people = ds.people
    when = ibis.literal(start)
    alive = people.filter(
        (people.birth_date <= start)
        & (people.death_date.isnull() | (people.death_date > start))
        & people.sex.isin(list(SEXES))
    )
    age = age_at(alive.birth_date, when)
    base = alive.select(
        person_id=alive.person_id,
        area=alive.area,
        sex=alive.sex,
        age=ibis.least(age, MAX_AGE),
        died=(alive.death_date.notnull() & (alive.death_date < end)).cast("int64"),
    )
    frail = frailty_scores(ds, start).select(person_id="person_id", category="category")
    joined = base.left_join(frail, "person_id")
    frailty = ibis.cases(
        (joined.age < 65, 0),
        (joined.category == "mild", 2),
        (joined.category == "moderate", 3),
        (joined.category == "severe", 4),
        else_=1,
    )
    return joined.select(
        person_id=joined.person_id,
        area=joined.area,
        sex=joined.sex,
        age=joined.age,
        band=ibis.least(joined.age // BAND_WIDTH, N_BANDS - 1).cast("int64"),
        frailty=frailty.cast("int64"),
        died=joined.died,
    )


def activity_by_person(ds: Dataset, start: dt.date) -> ibis.Table:
    """Long table person_id, setting, amount: each setting's activity in the year from ``start``."""
    end = start.replace(year=start.year + 1)
    lo, hi = ibis.literal(start), ibis.literal(end)
    enc = ds.table("encounters")
    enc = enc.filter((enc.start_date >= lo) & (enc.start_date < hi))
    one = ibis.literal(1.0)
    counts = enc.select(
        person_id=enc.person_id,
        setting=ibis.cases(
            (enc.kind == "gp", "gp_contacts"),
            (enc.kind == "ae", "ae_attendances"),
            (enc.kind == "emergency_admission", "emergency_admissions"),
            (enc.kind == "elective_admission", "elective_admissions"),
            else_="other",
        ),
        amount=one,
    )
    emergency = enc.filter(enc.kind == "emergency_admission")
    bed_days = emergency.select(
        person_id=emergency.person_id,
        setting=ibis.literal("emergency_bed_days"),
        amount=days_between(
            emergency.end_date.fill_null(emergency.start_date), emergency.start_date
        ).cast("float64"),
    )
    home = emergency.filter(emergency.discharge_destination.isin(["home", "home_with_reablement"]))
    nursing = home.select(
        person_id=home.person_id,
        setting=ibis.literal("community_nursing_visits"),
        amount=ibis.literal(NURSING_VISITS_PER_DISCHARGE_HOME),
    )
    sc = ds.table("social_care_events")
    services = sc.filter((sc.event_type == "service") & (sc.start_date < hi))
    s_start = ibis.greatest(services.start_date, lo)
    s_end = ibis.least(add_days(services.end_date, 1).fill_null(hi), hi)
    days = days_between(s_end, s_start)
    services = services.mutate(in_year=days, starts_in_year=services.start_date >= lo)
    starts = services.filter(services.starts_in_year)
    started = starts.select(
        person_id=starts.person_id,
        setting=ibis.cases(
            (
                (starts.service_component == "reablement")
                | (starts.service_type == "short_term_st_max"),
                "reablement_episodes",
            ),
            (starts.service_type == "long_term_residential", "residential_placements"),
            (starts.service_type == "long_term_nursing", "nursing_placements"),
            else_="other",
        ),
        amount=one,
    )
    spans = services.filter(services.in_year > 0)
    weeks = spans.in_year.cast("float64") / 7.0
    lasting = spans.select(
        person_id=spans.person_id,
        setting=ibis.cases(
            (
                (spans.service_component == "home_care")
                & (spans.cost_frequency_unit_type == "hourly"),
                "home_care_hours",
            ),
            (spans.service_type == "long_term_residential", "residential_weeks"),
            (spans.service_type == "long_term_nursing", "nursing_weeks"),
            else_="other",
        ),
        amount=ibis.cases(
            (
                (spans.service_component == "home_care")
                & (spans.cost_frequency_unit_type == "hourly"),
                spans.planned_units_per_week.fill_null(0.0) * weeks,
            ),
            else_=weeks,
        ),
    )
    union = ibis.union(counts, bed_days, nursing, started, lasting, distinct=False)
    return union.filter(union.setting != "other")


def _area_index(areas: tuple[str, ...], frame: pd.DataFrame) -> np.ndarray:
    lookup = {a: i for i, a in enumerate(areas)}
    return frame.area.map(lookup).to_numpy()


def prepare_baseline(ds: Dataset, year_start: dt.date | None = None) -> Baseline:
    """The baseline from ``ds`` for the year starting ``year_start`` (default: latest full
    financial year). Three small grouped queries run on the dataset's backend."""
    start = year_start or latest_full_year(ds)
    notes: list[str] = [
        "community nursing visits are a proxy: emergency discharges home × "
        f"{NURSING_VISITS_PER_DISCHARGE_HOME:g} visits (ASSUMPTION; not in the data contract)"
    ]
    cells = _cells(ds, start)
    pop = ds.execute(
        cells.group_by(["area", "sex", "age", "frailty"]).aggregate(
            n=cells.count(), deaths=cells.died.sum()
        )
    )
    acts = activity_by_person(ds, start)
    # per person first: the sum of squares of people's totals gives each cell's sampling variance
    # (a compound Poisson: one person brings many hours or bed days at once)
    per_person = acts.group_by(["person_id", "setting"]).aggregate(amount=acts.amount.sum())
    joined = per_person.join(cells, "person_id")
    act = ds.execute(
        joined.group_by(["area", "sex", "band", "frailty", "setting"]).aggregate(
            amount=joined.amount.sum(), squares=(joined.amount * joined.amount).sum()
        )
    )
    lo, hi = ibis.literal(start), ibis.literal(start.replace(year=start.year + 1))
    enc = ds.table("encounters")
    discharged = enc.filter(
        (enc.kind == "emergency_admission")
        & (enc.start_date >= lo)
        & (enc.start_date < hi)
        & (enc.discharge_destination == "home_with_reablement")
    ).join(cells, "person_id")
    after = ds.execute(
        discharged.group_by(["area", "sex", "band", "frailty"]).aggregate(n=discharged.count())
    )
    admitted = enc.filter(
        (enc.kind == "emergency_admission") & (enc.start_date >= lo) & (enc.start_date < hi)
    )
    died = admitted.filter(admitted.discharge_destination == "died")
    died = died.select(
        person_id=died.person_id,
        bed_days=days_between(died.end_date.fill_null(died.start_date), died.start_date).cast(
            "float64"
        ),
    ).join(cells, "person_id")
    dying = ds.execute(
        died.group_by(["area", "sex", "band", "frailty"]).aggregate(
            n=died.count(), bed_days=died.bed_days.sum()
        )
    )
    alive_admissions = admitted.filter(
        admitted.discharge_destination.isnull() | (admitted.discharge_destination != "died")
    ).select(person_id="person_id", day="start_date")
    alive_admissions = alive_admissions.distinct()
    ae = enc.filter((enc.kind == "ae") & (enc.start_date >= lo) & (enc.start_date < hi))
    ae = ae.select(person_id=ae.person_id, day=ae.start_date)
    linked = ae.join(alive_admissions, ["person_id", "day"]).join(cells, "person_id")
    with_admission = ds.execute(
        linked.group_by(["area", "sex", "band", "frailty"]).aggregate(n=linked.count())
    )
    areas = tuple(sorted(pop.area.unique()))
    n_a, n_f, n_s = len(areas), len(FRAILTY), len(SETTING_IDS)
    population = np.zeros((n_a, 2, N_AGES, n_f))
    deaths = np.zeros((n_a, 2, N_BANDS, n_f))
    activity = np.zeros((n_a, 2, N_BANDS, n_f, n_s))
    squares = np.zeros_like(activity)
    if len(pop):
        a = _area_index(areas, pop)
        x = pop.sex.map({s: i for i, s in enumerate(SEXES)}).to_numpy()
        age = pop.age.to_numpy(dtype=int)
        f = pop.frailty.to_numpy(dtype=int)
        np.add.at(population, (a, x, age, f), pop.n.to_numpy(dtype=float))
        np.add.at(deaths, (a, x, band_of_age(age), f), pop.deaths.to_numpy(dtype=float))
    if len(act):
        a = _area_index(areas, act)
        x = act.sex.map({s: i for i, s in enumerate(SEXES)}).to_numpy()
        s = act.setting.map({s: i for i, s in enumerate(SETTING_IDS)}).to_numpy()
        where = (a, x, act.band.to_numpy(dtype=int), act.frailty.to_numpy(dtype=int), s)
        np.add.at(activity, where, act.amount.to_numpy(dtype=float))
        np.add.at(squares, where, act.squares.to_numpy(dtype=float))
    reablement_after_discharge = np.zeros((n_a, 2, N_BANDS, n_f))
    if len(after):
        after_cells = (
            _area_index(areas, after),
            after.sex.map({s: i for i, s in enumerate(SEXES)}).to_numpy(),
            after.band.to_numpy(dtype=int),
            after.frailty.to_numpy(dtype=int),
        )
        np.add.at(reablement_after_discharge, after_cells, after.n.to_numpy(dtype=float))
    ending_in_death = np.zeros_like(activity)
    ae_with_admission = np.zeros((n_a, 2, N_BANDS, n_f))
    sex_index = {s: i for i, s in enumerate(SEXES)}
    if len(dying):
        dying_cells = (
            _area_index(areas, dying),
            dying.sex.map(sex_index).to_numpy(),
            dying.band.to_numpy(dtype=int),
            dying.frailty.to_numpy(dtype=int),
        )
        admissions_at = SETTING_IDS.index("emergency_admissions")
        bed_days_at = SETTING_IDS.index("emergency_bed_days")
        np.add.at(
            ending_in_death,
            (*dying_cells, np.full(len(dying), admissions_at)),
            dying.n.to_numpy(dtype=float),
        )
        np.add.at(
            ending_in_death,
            (*dying_cells, np.full(len(dying), bed_days_at)),
            dying.bed_days.to_numpy(dtype=float),
        )
    if len(with_admission):
        admission_cells = (
            _area_index(areas, with_admission),
            with_admission.sex.map(sex_index).to_numpy(),
            with_admission.band.to_numpy(dtype=int),
            with_admission.frailty.to_numpy(dtype=int),
        )
        np.add.at(ae_with_admission, admission_cells, with_admission.n.to_numpy(dtype=float))
    transitions = np.zeros((N_BANDS, n_f, n_f))
    previous = start.replace(year=start.year - 1)
    if first_event_date(ds) <= previous:
        before = _cells(ds, previous)
        before = before.filter(before.frailty > 0).select(
            person_id="person_id", band="band", f_from="frailty"
        )
        now = cells.filter(cells.frailty > 0).select(person_id="person_id", f_to="frailty")
        pairs = before.join(now, "person_id")
        moved = ds.execute(pairs.group_by(["band", "f_from", "f_to"]).aggregate(n=pairs.count()))
        np.add.at(
            transitions,
            (
                moved.band.to_numpy(dtype=int),
                moved.f_from.to_numpy(dtype=int),
                moved.f_to.to_numpy(dtype=int),
            ),
            moved.n.to_numpy(dtype=float),
        )
    else:
        notes.append(f"no year before {start} in the record: frailty held constant after age 65")
    entry = population[:, :, 65, 1:].sum(0)
    entry = np.where(entry.sum(1, keepdims=True) > 0, entry, 1.0)
    entry = entry / entry.sum(1, keepdims=True)
    return Baseline(
        year_start=start,
        areas=areas,
        population=population,
        activity=activity,
        squares=squares,
        deaths=deaths,
        transitions=transitions,
        entry=entry,
        notes=notes,
        reablement_after_discharge=reablement_after_discharge,
        ending_in_death=ending_in_death,
        ae_with_admission=ae_with_admission,
    )


def observed_totals(ds: Dataset, year_start: dt.date) -> dict[str, float]:
    """Each setting's activity in the year from ``year_start`` (same definitions as the baseline),
    for back-testing."""
    cells = _cells(ds, year_start)
    acts = activity_by_person(ds, year_start).join(cells.select("person_id"), "person_id")
    frame = ds.execute(acts.group_by("setting").aggregate(amount=acts.amount.sum()))
    found = dict(zip(frame.setting, frame.amount.astype(float), strict=True))
    return {s: found.get(s, 0.0) for s in SETTING_IDS}
