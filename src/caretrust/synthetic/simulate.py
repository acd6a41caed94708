"""Lives over time for one chunk of people, drawn from hazards year by year.

Each simulated year computes every person's hazards at once (age, sex, frailty, care home,
integration), draws how many events of each kind fall in the year (Poisson or Bernoulli) and
places them uniformly in the year, before death. Rates are normalised within age bands so the
population rate equals the published rate in ``rates.py`` while frailer people carry more of it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from caretrust.synthetic import codes, rates
from caretrust.synthetic.eventlog import NEVER, EventLog, coded
from caretrust.synthetic.people import DAYS_PER_YEAR, People, broad_band
from caretrust.synthetic.social import SocialCare

ENCOUNTER_SCHEMA = {
    "kind": pa.string(),
    "start_date": pa.date32(),
    "end_date": pa.date32(),
    "primary_diagnosis": pa.string(),
    "external_cause": pa.string(),
    "is_transfer": pa.bool_(),
    "discharge_destination": pa.string(),
}

_ACSC_COLUMNS = [i for i, c in enumerate(codes.CONDITIONS) if c.acsc_icd10]
_ACSC_CODES = [codes.CONDITIONS[i].acsc_icd10 for i in _ACSC_COLUMNS]
_FALL_CODES = tuple(codes.FALL_INJURIES)
DIAGNOSES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *_FALL_CODES,
            codes.HIP_FRACTURE_ICD10,
            *(c for cs in _ACSC_CODES for c in cs),
            *codes.OTHER_EMERGENCY_DIAGNOSES,
            *codes.ELECTIVE_DIAGNOSES,
        ]
    )
)
_DIAG = {code: i for i, code in enumerate(DIAGNOSES)}
_EXTERNAL = tuple(codes.FALL_EXTERNAL_CAUSES)
_DEST = {d: i for i, d in enumerate(codes.DISCHARGE_DESTINATIONS)}
_PREVALENT = [i for i, c in enumerate(codes.CONDITIONS) if c.key in rates.PREVALENCE_BY_AGE]
_FALLS = codes.CONDITION_INDEX["falls"]
#: share of reablement episodes that go on to long-term services (SALT STS002a, rates.py)
_REABLEMENT_ONWARD = rates.REABLEMENT_OUTCOMES["progress_to_support_planning_or_services"]
_HIP = codes.CONDITION_INDEX["hip_fracture"]


def _deficit_matrix() -> np.ndarray:
    deficits = {name: j for j, name in enumerate(codes.EFI_DEFICITS)}
    matrix = np.zeros((len(codes.CONDITIONS), len(deficits)), dtype=np.float32)
    for i, condition in enumerate(codes.CONDITIONS):
        matrix[i, deficits[condition.efi_deficit]] = 1
    return matrix


def _prevalence_table() -> np.ndarray:
    """Prevalence by single year of age 0-120 for each prevalent condition (rows)."""
    ages = np.arange(121)
    table = np.array(
        [
            np.interp(ages, rates.PREVALENCE_AGES, rates.PREVALENCE_BY_AGE[codes.CONDITIONS[i].key])
            for i in _PREVALENT
        ]
    )
    return table * np.minimum(1.0, ages / 20.0)  # conditions are rarer in childhood


_DEFICITS = _deficit_matrix()
_HOME_HELP = codes.CONDITION_INDEX["home_help"]
#: the deficits the record's eFI finds for each condition: the published code list (GM-SDE eFI
#: code sets) also lists osteoporosis (64859006) under fragility fracture
_RECORDED_DEFICITS = _DEFICITS.copy()
_RECORDED_DEFICITS[
    codes.CONDITION_INDEX["osteoporosis"], list(codes.EFI_DEFICITS).index("fragility fracture")
] = 1
#: conditions × BNF classes each calls for (as the prescriptions table writes them)
_BNF = np.array(
    [[s in c.bnf_sections for s in codes.BNF_SECTIONS] for c in codes.CONDITIONS], dtype=np.float32
)
_PREVALENCE = _prevalence_table()
# annual incidence that carries prevalence from age a to a+1 among those without the condition
_INCIDENCE = np.clip(np.diff(_PREVALENCE, axis=1, append=_PREVALENCE[:, -1:]), 0, None) / (
    1 - _PREVALENCE
)


@dataclass(frozen=True)
class Horizon:
    start: int  # first simulated day (days since 1970-01-01)
    end: int  # first day after the simulation
    switch: int  # first day of integration in the integrated area
    year_starts: tuple[int, ...]
    integrated: bool
    admissions_effect: float
    care_home_shift: float
    los_effect: float
    # first day of integration of each locality (index as in the area's localities); the
    # integrated area's staggered starts, NEVER elsewhere
    locality_switch: tuple[int, ...] = ()
    emergency_level: float = 1.0  # the area's own level of emergency admissions
    emergency_trend: float = 0.0  # its linear trend, relative change per year
    trend_change_from: int = NEVER  # first day of an unannounced trend change (all areas)
    trend_change: float = 0.0  # relative change per year from then, compounding
    person_risk_variance: float = 0.0
    initial_stock: bool = False  # people already in care homes / on home care on the first day
    # the admissions effect targets frailty as the record will show it (IntegrationEffects)
    effect_on_recorded_frailty: bool = False

    def emergency_factor(self, day: int) -> float:
        """Area level x linear trend x unannounced trend change, at `day`."""
        years = (day - self.start) / 365.25
        linear = self.emergency_level * max(0.2, 1.0 + self.emergency_trend * years)
        return linear * self.trend_change_factor(day)

    def trend_change_factor(self, day: int) -> float:
        years = max(0.0, (day - self.trend_change_from) / 365.25)
        return (1.0 + self.trend_change) ** years


def normalised(multiplier: np.ndarray, group: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Divide by the group mean (over mask) so each group's average multiplier is one."""
    size = int(group.max()) + 1 if len(group) else 1
    total = np.bincount(group[mask], weights=multiplier[mask], minlength=size)
    count = np.bincount(group[mask], minlength=size)
    mean = np.where(count > 0, total / np.maximum(count, 1), 1.0)
    return multiplier / np.where(mean > 0, mean, 1.0)[group]


class ChunkSimulation:
    """Simulate one chunk; afterwards read `.encounters`, `.social`, `.onset`, `.death`."""

    def __init__(
        self,
        people: People,
        horizon: Horizon,
        rng: np.random.Generator,
        risk_rng: np.random.Generator | None = None,
        stock_rng: np.random.Generator | None = None,
    ):
        self.p = people
        self.h = horizon
        self.rng = rng
        n = people.n
        # the day each person's locality goes live (NEVER outside the integrated area)
        if horizon.integrated and horizon.locality_switch:
            self.switch = np.asarray(horizon.locality_switch, dtype=np.int64)[people.locality]
        elif horizon.integrated:
            self.switch = np.full(n, horizon.switch, dtype=np.int64)
        else:
            self.switch = np.full(n, NEVER, dtype=np.int64)
        # persistent latent risk (gamma, mean 1), from its own stream so that switching it off
        # leaves every other draw as it was
        variance = horizon.person_risk_variance
        if variance > 0:
            risk_rng = risk_rng or np.random.default_rng(0)
            self.risk = risk_rng.gamma(1.0 / variance, variance, n)
        else:
            self.risk = np.ones(n)
        self.weak_risk = self.risk**rates.PERSON_RISK_WEAK_POWER
        self.expected: list[tuple[int, np.ndarray, np.ndarray]] = []  # (year start, exp., expected)
        # each year's true probability of at least one emergency admission (truth, not a feature)
        self.true_risk: list[np.ndarray] = []
        self._death_chance = np.zeros(n)
        self._hospital_death_share = np.zeros(n)
        self._care_home_via_hospital = np.zeros(n)
        # last discharge day of each person's spells so far: a death is never placed inside a
        # spell drawn in an earlier year (it would leave a discharge after the death)
        self.discharged = np.full(n, -1, dtype=np.int64)
        self.death = np.full(n, NEVER, dtype=np.int64)
        self.care_home_since = np.full(n, NEVER, dtype=np.int64)
        self.onset = np.full((n, len(codes.CONDITIONS)), NEVER, dtype=np.int64)
        propensity_sd = rates.CONDITION_PROPENSITY_SD
        self.propensity = np.exp(rng.normal(-(propensity_sd**2) / 2, propensity_sd, n))
        self.encounters = EventLog(ENCOUNTER_SCHEMA)
        self.social = SocialCare(people, horizon, rng, self.death)
        self._baseline_conditions()
        if horizon.initial_stock:
            # its own stream, so that switching the stock off leaves every other draw as it was
            self._initial_stock(stock_rng or np.random.default_rng(1))
        self.has_carer = self._baseline_carers()

    # --- baseline --------------------------------------------------------------------------

    def _age(self, day: int) -> np.ndarray:
        return (day - self.p.birth) / DAYS_PER_YEAR

    def _baseline_conditions(self) -> None:
        rng, n, start = self.rng, self.p.n, self.h.start
        age = self._age(start)
        whole = np.minimum(age.astype(np.int64), 120)
        prevalence = np.minimum(_PREVALENCE[:, whole].T * self.propensity[:, None], 0.95)
        held = rng.random(prevalence.shape) < prevalence
        years_back = (
            rng.random(prevalence.shape) * np.minimum(np.maximum(age - 15, 0.5), 20)[:, None]
        )
        onset = np.maximum(
            start - (years_back * DAYS_PER_YEAR).astype(np.int64), self.p.birth[:, None]
        )
        self.onset[:, _PREVALENT] = np.where(held, onset, NEVER)
        coded_alone = (
            self.p.lives_alone & (age >= 65) & (rng.random(n) < rates.LIVES_ALONE_CODED_SHARE)
        )
        lives_alone = codes.CONDITION_INDEX["lives_alone"]
        back = (rng.random(n) * 5 * DAYS_PER_YEAR).astype(np.int64)
        self.onset[coded_alone, lives_alone] = start - back[coded_alone]

    def _initial_stock(self, rng: np.random.Generator) -> None:
        """Put people in a care home or on long-term home care on the first day, at the prevalence
        the generator's own rates imply in a steady state, so that those stocks do not build up
        from zero over the first years of the record.

        For each adult, with today's frailty and latent risk, integrate year by year over the
        adult years already lived (at most 40): care-home admission hazard ``a`` (as in
        `_care_home_admissions`), death hazard ``m`` outside and ``μ`` inside a care home
        (`_deaths`). Among survivors the odds r of being in a care home follow
        r' = a − (μ − m − a)·r; outside a care home, long-term home care is entered at hazard
        ``b`` (community requests and reablement that go on to services, as in `SocialCare`) and
        left only by death or a care-home move (the same exits as everyone else), so its share
        there is 1 − exp(−Σb). Time already spent in the state is exponential (mean 1/(μ − m) in
        a care home, 3 years on home care), and never before age 18.
        """
        n, start = self.p.n, self.h.start
        age = self._age(start)
        adult = age >= 18
        category = self.frailty_category(start)
        band_now = broad_band(age)
        care_multiplier = normalised(rates.CARE_HOME_HR[category] * self.weak_risk, band_now, adult)
        hosp_multiplier = normalised(rates.HOSPITALISATION_HR[category], band_now, adult)
        five_now = np.minimum((age // 5).astype(np.int64), 18)
        group = five_now * 2 + self.p.sex
        death_multiplier = normalised(rates.MORTALITY_HR[category], group, adult)
        emergency = normalised(rates.HOSPITALISATION_HR[category] * self.risk, band_now, adult)
        request_to_service = (
            rates.REQUEST_OUTCOMES["progress_to_assessment_review_or_reassessment"]
            * rates.ELIGIBLE_NEEDS_SHARE
            + rates.REQUEST_OUTCOMES["progress_to_support_planning_or_services"]
            + rates.REQUEST_OUTCOMES["progress_to_reablement_st_max"] * _REABLEMENT_ONWARD
        )
        odds = np.zeros(n)
        home_hazard = np.zeros(n)
        for back in range(40, 0, -1):
            then = age - back
            lived = adult & (then >= 18)
            band = broad_band(np.maximum(then, 0))
            five = np.minimum((np.maximum(then, 0) // 5).astype(np.int64), 18)
            per_1000 = np.where(
                self.p.sex == 0,
                rates.DEATHS_PER_1000_FEMALE[five],
                rates.DEATHS_PER_1000_MALE[five],
            )
            m = -np.log1p(-per_1000 / 1000) * death_multiplier
            mu = m * rates.CARE_HOME_MORTALITY_MULTIPLIER
            a = rates.CARE_HOME_ADMISSIONS_PER_100000[band] / 100_000 * care_multiplier
            # a year of r' = a − k·r solved exactly (k may be large in the oldest bands)
            k = np.maximum(mu - m - a, 1e-9)
            decay = np.exp(-k)
            odds = np.where(lived, odds * decay + a / k * (1.0 - decay), odds)
            requests = rates.COMMUNITY_REQUESTS_PER_1000[band] / 1000 * hosp_multiplier
            discharges = (
                rates.EMERGENCY_ADMISSIONS_PER_1000[band]
                / 1000
                * emergency
                * rates.REABLEMENT_DISCHARGE_SHARE[band]
                * (1 + 0.5 * category)
            )
            b = requests * request_to_service + discharges * _REABLEMENT_ONWARD
            home_hazard = np.where(lived, home_hazard + b, home_hazard)
        odds = np.clip(odds, 0.0, None)
        in_home = adult & (rng.random(n) < odds / (1.0 + odds))
        on_home_care = adult & ~in_home & (rng.random(n) < -np.expm1(-home_hazard))
        adult_days = ((age - 18) * DAYS_PER_YEAR).astype(np.int64)
        per_1000 = np.where(
            self.p.sex == 0,
            rates.DEATHS_PER_1000_FEMALE[five_now],
            rates.DEATHS_PER_1000_MALE[five_now],
        )
        m_now = -np.log1p(-per_1000 / 1000) * death_multiplier
        stay_years = 1.0 / np.maximum(m_now * (rates.CARE_HOME_MORTALITY_MULTIPLIER - 1), 0.05)
        since_home = np.minimum((rng.exponential(stay_years) * DAYS_PER_YEAR), adult_days)
        since_care = np.minimum(rng.exponential(3.0, n) * DAYS_PER_YEAR, adult_days)
        since_home = start - np.maximum(since_home.astype(np.int64), 1)
        since_care = start - np.maximum(since_care.astype(np.int64), 1)
        who = np.flatnonzero(in_home)
        self.care_home_since[who] = since_home[who]
        self.onset[who, codes.CONDITION_INDEX["lives_in_care_home"]] = since_home[who]
        nursing = rng.random(len(who)) < (
            rates.NURSING_SHARE_OF_CARE_HOME + 0.15 * (category[who] == 3)
        )
        self.social.care_home_stock(who, since_home[who], nursing)
        cared = np.flatnonzero(on_home_care)
        self.social.home_care_start[cared] = since_care[cared]

    def frailty_category(self, day: int) -> np.ndarray:
        """eFI category (0 fit, 1 mild, 2 moderate, 3 severe) from deficits coded by `day`."""
        held = (self.onset <= day).astype(np.float32)
        deficits = ((held @ _DEFICITS) > 0).sum(axis=1)
        return np.searchsorted(rates.EFI_CATEGORY_UPPER_DEFICITS, deficits, side="left")

    def recorded_frailty_category(self, day: int) -> np.ndarray:
        """eFI category as the record will show it on `day`: the coded deficits as the published
        code list maps them, "home help attends" from the day home care starts (written to the
        record only at the end), and polypharmacy (≥ 5 BNF classes the held conditions call for,
        issued every 84 days)."""
        held = self.onset <= day
        held[:, _HOME_HELP] |= self.social.home_care_start <= day
        deficits = ((held.astype(np.float32) @ _RECORDED_DEFICITS) > 0).sum(axis=1)
        classes = ((held.astype(np.float32) @ _BNF) > 0).sum(axis=1)
        deficits = deficits + (classes >= rates.POLYPHARMACY_MIN_CLASSES)
        return np.searchsorted(rates.EFI_CATEGORY_UPPER_DEFICITS, deficits, side="left")

    def _baseline_carers(self) -> np.ndarray:
        category = self.frailty_category(self.h.start)
        chance = rates.HAS_UNPAID_CARER_BY_FRAILTY[category] * np.where(self.p.lives_alone, 0.5, 1)
        return (self._age(self.h.start) >= 18) & (self.rng.random(self.p.n) < chance)

    # --- the yearly loop ---------------------------------------------------------------------

    def run(self) -> ChunkSimulation:
        bounds = [*self.h.year_starts, self.h.end]
        for t0, t1 in itertools.pairwise(bounds):
            self._year(t0, t1)
        self.social.finish(self.death, self.care_home_since, self.has_carer, self.onset)
        return self

    def _year(self, t0: int, t1: int) -> None:
        alive = self.death > t0
        age = self._age((t0 + t1) // 2)
        band = broad_band(age)
        category = self.frailty_category(t0)
        in_care_home = self.care_home_since <= t0
        terminal = self._deaths(t0, t1, alive, age, category, in_care_home)
        exposure_end = np.minimum(self.death, t1)
        exposure = np.where(alive, (exposure_end - t0) / DAYS_PER_YEAR, 0.0)
        self._condition_onsets(t0, t1, alive, age)
        self._care_home_admissions(t0, t1, alive, age, band, category, in_care_home)
        target = category
        if self.h.integrated and self.h.effect_on_recorded_frailty:
            target = self.recorded_frailty_category(t0)
        self._emergency_admissions(t0, t1, alive, age, band, category, exposure, target)
        self._terminal_admissions(terminal, band)
        self._elective_admissions(t0, t1, band, exposure)
        self._attendances(t0, t1, alive, band, category, exposure)
        self.social.community_requests(
            t0, t1, alive, age, band, category, exposure, self.death, self.care_home_since
        )
        self.social.close_year(t1)

    def _deaths(self, t0, t1, alive, age, category, in_care_home) -> np.ndarray:
        """Draw deaths in [t0, t1); return who of them die in hospital."""
        rng, n = self.rng, self.p.n
        five = np.minimum((age // 5).astype(np.int64), 18)
        per_1000 = np.where(
            self.p.sex == 0, rates.DEATHS_PER_1000_FEMALE[five], rates.DEATHS_PER_1000_MALE[five]
        )
        multiplier = rates.MORTALITY_HR[category] * np.where(
            in_care_home, rates.CARE_HOME_MORTALITY_MULTIPLIER, 1.0
        )
        multiplier = normalised(multiplier, five * 2 + self.p.sex, alive)
        hazard = -np.log1p(-per_1000 / 1000) * multiplier * (t1 - t0) / DAYS_PER_YEAR
        chance = np.where(alive, -np.expm1(-hazard), 0.0)
        dies = alive & (rng.random(n) < chance)
        day = t0 + (rng.random(n) * (t1 - t0)).astype(np.int64)
        # still in hospital from last year: die on or after discharge, or (rarely) next year
        dies &= self.discharged < t1
        day = np.maximum(day, self.discharged)
        self.death[dies] = day[dies]
        hospital_share = np.where(
            in_care_home, rates.HOSPITAL_DEATH_SHARE_CARE_HOME, rates.HOSPITAL_DEATH_SHARE
        )
        self._death_chance, self._hospital_death_share = chance, hospital_share
        return np.flatnonzero(dies & (rng.random(n) < hospital_share))

    def _condition_onsets(self, t0, t1, alive, age) -> None:
        rng = self.rng
        whole = np.minimum(age.astype(np.int64), 120)
        chance = -np.expm1(-_INCIDENCE[:, whole].T * self.propensity[:, None])
        current = self.onset[:, _PREVALENT]
        new = alive[:, None] & (current == NEVER) & (rng.random(chance.shape) < chance)
        day = t0 + (rng.random(chance.shape) * (t1 - t0)).astype(np.int64)
        new &= day < self.death[:, None]
        self.onset[:, _PREVALENT] = np.where(new, day, current)

    def _care_home_admissions(self, t0, t1, alive, age, band, category, in_care_home) -> None:
        rng, n = self.rng, self.p.n
        eligible = alive & ~in_care_home & (age >= 18)
        multiplier = normalised(rates.CARE_HOME_HR[category] * self.weak_risk, band, eligible)
        # people already in a care home count in the band population but cannot be admitted
        alive_in_band = np.bincount(band[alive], minlength=6)
        eligible_in_band = np.maximum(np.bincount(band[eligible], minlength=6), 1)
        scale = (alive_in_band / eligible_in_band)[band]
        rate = rates.CARE_HOME_ADMISSIONS_PER_100000[band] / 100_000 * scale * multiplier
        rate = rate * self.h.trend_change_factor((t0 + t1) // 2)
        chance = np.where(eligible, -np.expm1(-rate * (t1 - t0) / DAYS_PER_YEAR), 0.0)
        self._care_home_via_hospital = chance * rates.CARE_HOME_AFTER_HOSPITAL_SHARE
        admitted = eligible & (rng.random(n) < chance)
        day = t0 + (rng.random(n) * (t1 - t0)).astype(np.int64)
        admitted &= day < self.death
        who = np.flatnonzero(admitted)
        day = day[who]
        diverted = np.zeros(len(who), dtype=bool)
        if self.h.integrated:
            diverted = (day >= self.switch[who]) & (rng.random(len(who)) < self.h.care_home_shift)
        nursing_share = rates.NURSING_SHARE_OF_CARE_HOME + 0.15 * (category[who] == 3)
        nursing = rng.random(len(who)) < nursing_share
        via_hospital = rng.random(len(who)) < rates.CARE_HOME_AFTER_HOSPITAL_SHARE
        destination = np.where(
            diverted,
            _DEST["home"],
            np.where(nursing, _DEST["nursing_care"], _DEST["residential_care"]),
        )
        hosp = via_hospital
        los = self._los(band[who[hosp]], self.rng)
        self._admit(who[hosp], day[hosp] - los, day[hosp], destination[hosp], band[who[hosp]])
        moved = ~diverted
        self.care_home_since[who[moved]] = day[moved]
        self.onset[who[moved], codes.CONDITION_INDEX["lives_in_care_home"]] = day[moved]
        self.social.care_home_admission(who[moved], day[moved], nursing[moved], via_hospital[moved])
        self.social.home_care_after_diversion(who[diverted], day[diverted], via_hospital[diverted])

    def _emergency_admissions(self, t0, t1, alive, age, band, category, exposure, target) -> None:
        """`category` sets the hazard; `target` (frailty) whom the planted effect reaches."""
        rng, h = self.rng, self.h
        per_person = rates.EMERGENCY_ADMISSIONS_PER_1000[band] / 1000
        five = np.minimum((age // 5).astype(np.int64), 18)
        death_rate = (
            np.where(
                self.p.sex == 0,
                rates.DEATHS_PER_1000_FEMALE[five],
                rates.DEATHS_PER_1000_MALE[five],
            )
            / 1000
        )
        # terminal and care-home admissions are drawn elsewhere; take them out of the rate
        routed = (
            death_rate * rates.HOSPITAL_DEATH_SHARE
            + rates.CARE_HOME_ADMISSIONS_PER_100000[band]
            / 100_000
            * rates.CARE_HOME_AFTER_HOSPITAL_SHARE
        )
        base = np.maximum(per_person - routed, 0.2 * per_person)
        multiplier = normalised(rates.HOSPITALISATION_HR[category] * self.risk, band, alive)
        multiplier = multiplier * h.emergency_factor((t0 + t1) // 2)
        boost = max(1.0, 1.0 + h.admissions_effect) if h.integrated else 1.0
        self._record_expected(t0, t1, base * multiplier, exposure, age, target)
        self._record_true_risk(t0, t1, base * multiplier, alive, age, target)
        count = rng.poisson(base * multiplier * exposure * boost)
        person = np.repeat(np.arange(self.p.n), count)
        span = np.minimum(self.death, t1)[person] - t0
        start = t0 + (rng.random(len(person)) * span).astype(np.int64)
        keep = np.full(len(person), 1.0 / boost)
        if h.integrated:
            affected = (start >= self.switch[person]) & (age[person] >= 65) & (target[person] >= 1)
            keep[affected] = (1.0 + h.admissions_effect) / boost
        accepted = rng.random(len(person)) < keep
        person, start = person[accepted], start[accepted]
        los = self._los(band[person], rng)
        reablement = rates.REABLEMENT_DISCHARGE_SHARE[band[person]] * (1 + 0.5 * category[person])
        reablement *= self.care_home_since[person] > start  # care home residents go back there
        u = rng.random(len(person))
        destination = np.where(
            u < reablement,
            _DEST["home_with_reablement"],
            np.where(u > 1 - rates.OTHER_DISCHARGE_SHARE, _DEST["other"], _DEST["home"]),
        )
        self._admit(person, start, start + los, destination, band[person])

    def _record_expected(self, t0, t1, rate, exposure, age, category) -> None:
        """Each person's true expected emergency admissions this year (for truth/person_risk).

        The modelled rate x exposure x the planted effect over the part of the year after the
        person's locality went live; terminal and care-home-routed admissions are drawn elsewhere
        and not included.
        """
        factor = np.ones(self.p.n)
        if self.h.integrated and self.h.admissions_effect != 0:
            end = np.maximum(np.minimum(self.death, t1), t0 + 1)
            after = np.clip((end - np.maximum(self.switch, t0)) / (end - t0), 0.0, 1.0)
            eligible = (age >= 65) & (category >= 1)
            factor = 1.0 + self.h.admissions_effect * after * eligible
        self.expected.append((t0, exposure.copy(), rate * factor * exposure))

    def _record_true_risk(self, t0, t1, rate, alive, age, category) -> None:
        """Each person's true probability, from the state at the year's start, of at least one
        emergency admission starting in [t0, t1): the ceiling a risk model is measured against.

        Exactly the hazards this year's draws use: emergency admissions Poisson at ``rate`` (x the
        planted effect from the locality's go-live) until death or the year's end; a death
        (probability q, on a uniform day) is a terminal admission with the hospital-death share d;
        a care-home admission via hospital (probability c) adds one. With λ the year's admission
        rate: P(none) = [(1−q)·e^−λ + q·(1−d)·(1−e^−λ)/λ]·(1−c). Approximations: a care-home or
        terminal spell that began before t0, and a death pushed past a discharge, are ignored.
        """
        years = (t1 - t0) / DAYS_PER_YEAR
        factor = np.ones(self.p.n)
        if self.h.integrated and self.h.admissions_effect != 0:
            after = np.clip((t1 - np.maximum(self.switch, t0)) / (t1 - t0), 0.0, 1.0)
            factor = 1.0 + self.h.admissions_effect * after * ((age >= 65) & (category >= 1))
        lam = np.maximum(rate * factor * years, 1e-12)
        q, d = self._death_chance, self._hospital_death_share
        none = (1.0 - q) * np.exp(-lam) + q * (1.0 - d) * -np.expm1(-lam) / lam
        none = none * (1.0 - self._care_home_via_hospital)
        self.true_risk.append(np.where(alive, 1.0 - none, 0.0))

    def _terminal_admissions(self, person: np.ndarray, band: np.ndarray) -> None:
        los = self._los(band[person], self.rng)
        death = self.death[person]
        self._admit(person, death - los, death, np.full(len(person), _DEST["died"]), band[person])

    def _los(self, band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        mean = rates.EMERGENCY_MEAN_LOS_DAYS[band]
        return rng.geometric(1.0 / (mean + 1.0)) - 1

    def _admit(self, person, start, end, destination, band) -> None:
        """Record emergency spells, with diagnosis, A&E arrival and reablement follow-on."""
        rng, h = self.rng, self.h
        diagnosis, external, hip = self._diagnoses(person, start, band)
        routed_los = end - start
        hip_los = rng.geometric(1.0 / (rates.HIP_FRACTURE_MEAN_LOS_DAYS + 1), len(person)) - 1
        los = np.where(
            hip & (destination != _DEST["died"]), np.maximum(routed_los, hip_los), routed_los
        )
        if h.integrated:
            shorter = (start >= self.switch[person]) & (band >= 3) & (destination != _DEST["died"])
            los[shorter] = rng.binomial(los[shorter], 1.0 + h.los_effect)
        fixed_end = (
            (destination == _DEST["died"])
            | (destination == _DEST["residential_care"])
            | (destination == _DEST["nursing_care"])
        )
        start = np.where(fixed_end, end - los, start)
        end = start + los
        died = end >= self.death[person]
        end = np.minimum(end, self.death[person])
        np.maximum.at(self.discharged, person, end)
        destination = np.where(died, _DEST["died"], destination)
        self.encounters.add(
            person,
            kind="emergency_admission",
            start_date=start,
            end_date=end,
            primary_diagnosis=coded(diagnosis, DIAGNOSES),
            external_cause=coded(external, _EXTERNAL),
            is_transfer=rng.random(len(person)) < rates.TRANSFER_SHARE,
            discharge_destination=coded(destination, codes.DISCHARGE_DESTINATIONS),
        )
        via_ae = rng.random(len(person)) < rates.AE_SHARE_OF_EMERGENCY_ADMISSIONS
        self.encounters.add(
            person[via_ae],
            kind="ae",
            start_date=start[via_ae],
            end_date=start[via_ae],
            is_transfer=False,
        )
        self._record_injuries(person, start, external, hip)
        reablement = destination == _DEST["home_with_reablement"]
        self.social.reablement_after_discharge(person[reablement], end[reablement])

    def _record_injuries(self, person, start, external, hip) -> None:
        fell = external >= 0
        np.minimum.at(self.onset[:, _FALLS], person[fell], start[fell])
        np.minimum.at(self.onset[:, _HIP], person[hip], start[hip])

    def _diagnoses(self, person, day, band):
        """ICD-10 primary diagnosis index, external cause index (-1 none), hip fracture flag."""
        rng, m = self.rng, len(person)
        u = rng.random(m)
        fall = u < rates.FALL_SHARE_OF_EMERGENCY[band]
        acsc = ~fall & (
            u < rates.FALL_SHARE_OF_EMERGENCY[band] + rates.ACSC_SHARE_OF_EMERGENCY[band]
        )
        diagnosis = np.array([_DIAG[c] for c in codes.OTHER_EMERGENCY_DIAGNOSES])[
            rng.integers(0, len(codes.OTHER_EMERGENCY_DIAGNOSES), m)
        ]
        held = self.onset[person][:, _ACSC_COLUMNS] <= day[:, None]
        choice = np.argmax(rng.random(held.shape) * held, axis=1)
        has = held.any(axis=1) & acsc
        table, lengths = _acsc_table()
        pick = (rng.random(m) * lengths[choice]).astype(np.int64)
        diagnosis = np.where(has, table[choice, pick], diagnosis)
        hip = fall & (
            rng.random(m) < rates.HIP_FRACTURE_SHARE_OF_FALLS * np.where(band >= 3, 1, 0.2)
        )
        injury = rng.choice(
            [_DIAG[c] for c in _FALL_CODES], size=m, p=list(codes.FALL_INJURIES.values())
        )
        diagnosis = np.where(
            fall, np.where(hip, _DIAG[codes.HIP_FRACTURE_ICD10], injury), diagnosis
        )
        external = rng.choice(len(_EXTERNAL), size=m, p=list(codes.FALL_EXTERNAL_CAUSES.values()))
        return diagnosis, np.where(fall, external, -1), hip

    def _elective_admissions(self, t0, t1, band, exposure) -> None:
        rng = self.rng
        count = rng.poisson(rates.ELECTIVE_ADMISSIONS_PER_1000[band] / 1000 * exposure)
        person = np.repeat(np.arange(self.p.n), count)
        span = np.minimum(self.death, t1)[person] - t0
        start = t0 + (rng.random(len(person)) * span).astype(np.int64)
        los = rng.geometric(1.0 / (rates.ELECTIVE_MEAN_LOS_DAYS + 1), len(person)) - 1
        end = np.minimum(start + los, self.death[person])
        np.maximum.at(self.discharged, person, end)
        died = end >= self.death[person]
        diagnosis = np.array([_DIAG[c] for c in codes.ELECTIVE_DIAGNOSES])[
            rng.integers(0, len(codes.ELECTIVE_DIAGNOSES), len(person))
        ]
        destination = np.where(died, _DEST["died"], _DEST["home"])
        self.encounters.add(
            person,
            kind="elective_admission",
            start_date=start,
            end_date=end,
            primary_diagnosis=coded(diagnosis, DIAGNOSES),
            is_transfer=False,
            discharge_destination=coded(destination, codes.DISCHARGE_DESTINATIONS),
        )

    def _attendances(self, t0, t1, alive, band, category, exposure) -> None:
        """A&E attendances not ending in admission, and GP contacts."""
        for kind, per_year, ratios in (
            (
                "ae",
                rates.AE_ATTENDANCES_NOT_ADMITTED_PER_1000[band] / 1000,
                rates.HOSPITALISATION_HR,
            ),
            ("gp", rates.GP_CONTACTS_PER_YEAR[band], rates.GP_CONTACT_HR),
        ):
            risk = self.risk if kind == "ae" else self.weak_risk
            multiplier = normalised(ratios[category] * risk, band, alive)
            count = self.rng.poisson(per_year * multiplier * exposure)
            person = np.repeat(np.arange(self.p.n), count)
            span = np.minimum(self.death, t1)[person] - t0
            day = t0 + (self.rng.random(len(person)) * span).astype(np.int64)
            self.encounters.add(person, kind=kind, start_date=day, end_date=day, is_transfer=False)


def _acsc_table() -> tuple[np.ndarray, np.ndarray]:
    width = max(len(c) for c in _ACSC_CODES)
    table = np.zeros((len(_ACSC_CODES), width), dtype=np.int64)
    for i, options in enumerate(_ACSC_CODES):
        table[i, : len(options)] = [_DIAG[c] for c in options]
    return table, np.array([len(c) for c in _ACSC_CODES])
