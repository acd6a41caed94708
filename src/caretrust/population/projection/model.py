"""Population projection and Monte Carlo runs of activity and cost (the NHP structure on cells).

Per run (NHP, The-Strategy-Unit/nhp_model): one RNG seeded from ``seed`` draws, in this order, a
demographic variant for every run (run 0 takes the most probable), every lever's value for every
run, every integration effect's rate ratio, then a seed per run. Run 0 is the baseline unchanged.
Runs 1..N take, for each cell (area × sex × age band × frailty) and setting,

    λ = baseline rate × projected population (variant, health status) × growth^t × max(factor, 1)
    n ~ Poisson(λ), then Binomial(n, min(factor, 1))         (mitigators: thinning)
      (bed days, nursing visits, hours and weeks come in lumps: n ~ Poisson(Gamma) with
      variance λ·D, D = Σ amount² ÷ Σ amount of the cell's people in the baseline year)
    bed days ~ Binomial(bed days, length-of-stay factor)      (efficiencies)
    care-home activity ~ Binomial(·, diversion); each diverted week becomes home care hours.

Admission avoidance (frail admission avoidance, an emergency-admissions integration effect) and
length of stay act on emergency stays that do not end in death: a cell's factor f becomes
1 + (1 − d)(f − 1), d the share of its admissions (bed days) in the baseline that end in death.
An avoided admission also avoids the A&E attendance that brought it and the reablement episode
after it, in the share of the cell's A&E attendances and reablement episodes the baseline links
to such admissions.

Step counts split each run's change from the baseline into demography, health status,
non-demographic growth, mitigators, efficiencies and an interaction term (the rest: what the
expected steps miss, including the Poisson resampling), so they sum to the change exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from caretrust.population.projection.baseline import (
    N_AGES,
    Baseline,
    band_of_age,
    to_bands,
)
from caretrust.population.projection.scenario import (
    FRAIL,
    FRAILTY,
    HOME_CARE_HOURS_PER_DIVERTED_WEEK,
    LEVERS,
    OUTCOME_SETTINGS,
    PAYERS,
    SETTING_IDS,
    SETTING_INDEX,
    SETTINGS,
    Scenario,
    UnitCosts,
    load_unit_costs,
)

STEPS: tuple[str, ...] = (
    "demography",
    "health_status",
    "non_demographic",
    "mitigators",
    "efficiencies",
    "interaction",
)
#: a lever's value when a scenario leaves it out: "no change".
NEUTRAL = {
    "mitigator": 1.0,
    "efficiency": 1.0,
    "diversion": 1.0,
    "coverage": 0.0,
    "growth": 1.0,
    "health_status": 1.0,
}
CARE_HOME = tuple(
    SETTING_INDEX[s]
    for s in ("residential_placements", "residential_weeks", "nursing_placements", "nursing_weeks")
)
CARE_HOME_WEEKS = tuple(SETTING_INDEX[s] for s in ("residential_weeks", "nursing_weeks"))
HOME_CARE = SETTING_INDEX["home_care_hours"]
EMERGENCY = SETTING_INDEX["emergency_admissions"]
REABLEMENT = SETTING_INDEX["reablement_episodes"]
AE = SETTING_INDEX["ae_attendances"]
#: settings counted in amounts that come in lumps (a stay brings its bed days, a discharge home
#: its nursing visits, a person their hours or weeks): a year's total varies as a compound Poisson
#: (variance Σ amount² per person), not as a Poisson count of single units
COMPOUND = tuple(
    SETTING_INDEX[s]
    for s in (
        "emergency_bed_days",
        "community_nursing_visits",
        "home_care_hours",
        "residential_weeks",
        "nursing_weeks",
    )
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunParameters:
    """Every run's drawn values; index 0 is the baseline run (neutral values)."""

    variant: np.ndarray  # [R+1] index into scenario.variants
    levers: dict[str, np.ndarray]  # lever -> [R+1]; non_demographic_growth -> [R+1, S]
    effects: np.ndarray  # [R+1, n_effects] rate ratios
    seeds: np.ndarray  # [R+1]


def draw_parameters(scenario: Scenario, runs: int, seed: int) -> RunParameters:
    """One RNG from ``seed`` draws every run's variant, lever values, effects and seed (NHP)."""
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    rng = np.random.default_rng(seed)
    probs = np.array([v.probability for v in scenario.variants])
    variant = rng.choice(len(probs), size=runs, p=probs / probs.sum())
    levers: dict[str, np.ndarray] = {}
    for name, spec in LEVERS.items():  # fixed order: the same scenario draws the same values
        neutral = NEUTRAL[spec.kind]
        # growth is drawn for each setting on its own (NHP: per activity type): activity types
        # drift apart, and one shared factor would move every setting up or down together
        shape = (runs, len(SETTING_IDS)) if spec.kind == "growth" else (runs,)
        if name in scenario.levers:
            values = scenario.levers[name].draw(rng, int(np.prod(shape))).reshape(shape)
        else:
            values = np.full(shape, neutral)
        levers[name] = np.concatenate([np.full((1, *shape[1:]), neutral), values])
    effects = np.ones((runs + 1, len(scenario.effects)))
    for k, effect in enumerate(scenario.effects):
        effects[1:, k] = effect.draw(rng, runs)
    seeds = rng.integers(0, 2**32 - 1, size=runs, dtype=np.uint64)
    return RunParameters(
        variant=np.concatenate([[scenario.most_probable_variant], variant]).astype(int),
        levers=levers,
        effects=effects,
        seeds=np.concatenate([[0], seeds]).astype(np.uint64),
    )


def project_population(
    baseline: Baseline,
    years: int,
    *,
    mortality_improvement: np.ndarray,
    inflow_rate: np.ndarray,
    health_status: np.ndarray,
) -> np.ndarray:
    """Cohort-component projection, vectorised over runs: [R, years+1, A, 2, band, frailty].

    Each year: deaths (the record's rates by sex, band and frailty, falling by the variant's
    mortality improvement), frailty transitions for people 65+ (the record's, with progression
    scaled by m^(1−h): h = 1 keeps today's progression whatever happens to mortality, h = 0 slows
    it in step with mortality so the years gained are lived fit), a year of age (those turning 65
    take the frailty mix of today's 65-year-olds), then net inflow with the baseline's mix.
    """
    mi = np.asarray(mortality_improvement, dtype=float)
    inflow = np.asarray(inflow_rate, dtype=float)
    h = np.asarray(health_status, dtype=float)
    runs = len(mi)
    p0 = baseline.population
    state = np.broadcast_to(p0, (runs, *p0.shape)).copy()
    ages = np.arange(N_AGES)
    bands = band_of_age(ages)
    q_age = baseline.mortality()[:, bands, :]  # [x, age, f]
    trans = baseline.transition_matrix()[bands]  # [age, f, g]
    eye = np.eye(len(FRAILTY))
    out = np.empty((runs, years + 1, *to_bands(p0).shape))
    out[:, 0] = to_bands(p0)
    for t in range(1, years + 1):
        m = (1.0 - mi) ** t  # [R]
        state *= 1.0 - np.clip(q_age[None, None] * m[:, None, None, None, None], 0.0, 1.0)
        scale = m ** (1.0 - h)  # progression multiplier per run
        moves = eye + (trans[None] - eye) * scale[:, None, None, None]  # [R, age, f, g]
        state = np.einsum("raxif,rifg->raxig", state, moves)
        aged = np.zeros_like(state)
        aged[..., 1:, :] = state[..., :-1, :]
        aged[..., -1, :] += state[..., -1, :]
        turning = aged[..., 65, 0].copy()  # [R, A, X]
        aged[..., 65, 0] = 0.0
        aged[..., 65, 1:] += turning[..., None] * baseline.entry[None, None]
        state = np.clip(aged + inflow[:, None, None, None, None] * p0[None], 0.0, None)
        out[:, t] = to_bands(state)
    return out


@dataclass
class ProjectionResult:
    """Runs × years × settings of activity, cost by payer and step counts, with their inputs."""

    scenario: str
    seed: int
    baseline_year: int
    years: list[int]  # calendar years, baseline year first
    values: np.ndarray  # [R+1, T+1, S]
    costs: np.ndarray  # [R+1, T+1, S, P]
    steps: np.ndarray  # [R+1, T+1, S, K]
    parameters: RunParameters
    variant_names: list[str]
    price_year: str
    index_name: str
    cost_sources: dict[str, dict[str, str]]
    notes: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return self.values.shape[0] - 1

    def _summary(self, data: np.ndarray) -> dict[str, np.ndarray]:
        runs = data[1:]
        return {
            "principal": runs.mean(axis=0),
            "p10": np.percentile(runs, 10, axis=0),
            "p50": np.percentile(runs, 50, axis=0),
            "p90": np.percentile(runs, 90, axis=0),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per setting and year: baseline, principal (mean of runs), P10, P50, P90 and the
        principal cost by payer (pounds at ``price_year`` prices)."""
        summary = self._summary(self.values)
        cost_mean = self.costs[1:].mean(axis=0)  # [T+1, S, P]
        total = self._summary(self.costs.sum(axis=3))
        rows = []
        for s, (setting, title, unit) in enumerate(SETTINGS):
            for t, year in enumerate(self.years):
                row: dict[str, Any] = {
                    "setting": setting,
                    "title": title,
                    "unit": unit,
                    "year": year,
                    "baseline": self.values[0, t, s],
                }
                row.update({k: v[t, s] for k, v in summary.items()})
                for p, payer in enumerate(PAYERS):
                    row[f"cost_{payer}"] = cost_mean[t, s, p]
                row["cost_total"] = total["principal"][t, s]
                row["cost_total_p10"] = total["p10"][t, s]
                row["cost_total_p90"] = total["p90"][t, s]
                rows.append(row)
        return pd.DataFrame(rows)

    def payer_frame(self) -> pd.DataFrame:
        """Cost per partner (NHS, council, the person) by year over all settings."""
        by_payer = self.costs.sum(axis=2)  # [R+1, T+1, P]
        summary = self._summary(by_payer)
        rows = []
        for p, payer in enumerate(PAYERS):
            for t, year in enumerate(self.years):
                row = {"payer": payer, "year": year, "baseline": by_payer[0, t, p]}
                row.update({k: v[t, p] for k, v in summary.items()})
                rows.append(row)
        return pd.DataFrame(rows)

    def steps_frame(self) -> pd.DataFrame:
        """Mean step counts per setting and year; per setting-year they sum to principal − baseline."""
        mean = self.steps[1:].mean(axis=0)  # [T+1, S, K]
        rows = []
        for s, setting in enumerate(SETTING_IDS):
            for t, year in enumerate(self.years):
                for k, step in enumerate(STEPS):
                    rows.append(
                        {"setting": setting, "year": year, "step": step, "value": mean[t, s, k]}
                    )
        return pd.DataFrame(rows)

    def to_json(self) -> str:
        def records(frame: pd.DataFrame) -> list[dict]:
            return json.loads(frame.to_json(orient="records"))

        return json.dumps(
            {
                "scenario": self.scenario,
                "seed": self.seed,
                "runs": self.runs,
                "baseline_year": self.baseline_year,
                "years": self.years,
                "price_year": self.price_year,
                "price_index": self.index_name,
                "variants": {
                    name: int((self.parameters.variant[1:] == i).sum())
                    for i, name in enumerate(self.variant_names)
                },
                "cost_sources": self.cost_sources,
                "notes": self.notes,
                "settings": records(self.to_frame()),
                "payers": records(self.payer_frame()),
                "steps": records(self.steps_frame()),
            },
            indent=1,
        )


def _factors(
    scenario: Scenario, params: RunParameters, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run r's multiplicative factors by frailty × setting: mitigators (incl. integration effect),
    efficiencies and care-home diversion."""
    n_f, n_s = len(FRAILTY), len(SETTING_IDS)
    mitigate = np.ones((n_f, n_s))
    efficiency = np.ones((n_f, n_s))
    divert = np.ones((n_f, n_s))
    frail = np.zeros(n_f, dtype=bool)
    frail[list(FRAIL)] = True
    people = {"all": np.ones(n_f, dtype=bool), "65+": np.arange(n_f) >= 1, "frail": frail}
    for name, spec in LEVERS.items():
        if spec.kind not in ("mitigator", "efficiency", "diversion"):
            continue
        value = params.levers[name][r]
        rows = people[spec.people]
        cols = [SETTING_INDEX[s] for s in spec.settings]
        if spec.kind == "mitigator":
            mitigate[np.ix_(rows, cols)] *= value
        elif spec.kind == "efficiency":
            efficiency[np.ix_(rows, cols)] *= value
        elif spec.kind == "diversion":
            divert[np.ix_(rows, cols)] *= value
    coverage = params.levers["coordinator_coverage"][r]
    for k, effect in enumerate(scenario.effects):
        cols = [SETTING_INDEX[s] for s in OUTCOME_SETTINGS.get(effect.outcome, ())]
        if cols:
            # the evaluated effect reaches only the frail people a co-ordinator covers
            mitigate[np.ix_(frail, cols)] *= 1.0 - coverage * (1.0 - params.effects[r, k])
    return mitigate, efficiency, divert


def run_projection(
    scenario: Scenario,
    baseline: Baseline,
    *,
    seed: int = 1,
    runs: int = 256,
    years: int = 20,
    unit_costs: UnitCosts | None = None,
    estimation_uncertainty: bool = False,
    progress: Progress | None = None,
) -> ProjectionResult:
    """Monte Carlo projection of every setting for ``years`` after the baseline year.

    ``estimation_uncertainty`` (off by default, as in NHP) also redraws each cell's baseline
    activity per run from a Gamma with the cell's compound-Poisson variance (Σ of each person's
    amount squared), so intervals include the error of estimating today's rates from one year
    (that redraw then shows in each run's demography step, its mean near zero).
    ``progress(done, total)`` is called after each run (for a progress bar or a background job).
    """
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}")
    costs_data = unit_costs or load_unit_costs()
    params = draw_parameters(scenario, runs, seed)
    variants = scenario.variants
    mi = np.array([variants[v].mortality_improvement for v in params.variant])
    inflow = np.array([variants[v].inflow_rate for v in params.variant])
    hsa = params.levers["health_status_adjustment"]
    pop = project_population(
        baseline, years, mortality_improvement=mi, inflow_rate=inflow, health_status=hsa
    )
    pop_h1 = project_population(
        baseline,
        years,
        mortality_improvement=mi,
        inflow_rate=inflow,
        health_status=np.ones_like(hsa),
    )
    rates = baseline.rates()  # [A, X, B, F, S]
    # work only on cells someone lives in at some point: most age band × frailty cells are empty
    # (no under-65 group at 70, no "fit" group at 30), and every draw below is per cell
    cells = (pop.sum(axis=(0, 1)) + pop_h1.sum(axis=(0, 1))) > 0  # [A, X, B, F]
    frailty_of_cell = np.nonzero(cells)[3]
    rates_c = rates[cells]  # [C, S]
    pop_c = pop[:, :, cells]  # [R+1, T+1, C]
    pop_h1_c = pop_h1[:, :, cells]
    n_s = len(SETTING_IDS)
    total_base = baseline.activity.sum(axis=(0, 1, 2, 3))  # [S]
    values = np.empty((runs + 1, years + 1, n_s))
    steps = np.zeros((runs + 1, years + 1, n_s, len(STEPS)))
    values[:, 0] = total_base
    values[0] = total_base  # run 0: the baseline unchanged, every year
    growth = params.levers["non_demographic_growth"]
    t_index = np.arange(1, years + 1)
    band_pop = baseline.band_population()
    weeks = list(CARE_HOME_WEEKS)
    turnover = _new_placement_share(baseline, years)  # [T, S]
    extra_variance = (_dispersion(baseline) - 1.0)[cells]  # [C, S]
    reablement_share = _reablement_after_discharge_share(baseline)[cells]  # [C]
    ae_share = _share_of(baseline, baseline.ae_with_admission, AE)[cells]  # [C]
    dying_share = _ending_in_death_share(baseline)[cells]  # [C, S]
    for r in range(1, runs + 1):
        rng = np.random.default_rng(int(params.seeds[r]))
        run_rates = rates_c
        if estimation_uncertainty:
            run_rates = _redraw_rates(baseline, band_pop, rates, rng)[cells]
        lam_demo = run_rates[None] * pop_h1_c[r, 1:, :, None]  # [T, C, S]
        lam_hsa = run_rates[None] * pop_c[r, 1:, :, None]
        g = growth[r][None, :] ** t_index[:, None]  # [T, S]
        lam_g = lam_hsa * g[:, None, :]
        mitigate, efficiency, divert = (f[frailty_of_cell] for f in _factors(scenario, params, r))
        # an avoided emergency admission also avoids the reablement episode that would have
        # followed its discharge: reablement after discharge moves with emergency admissions
        avoided = 1.0 - mitigate[:, EMERGENCY]  # of admissions that do not end in death
        mitigate[:, REABLEMENT] *= 1.0 - reablement_share * avoided
        # ... and the A&E attendance that brought it
        mitigate[:, AE] *= 1.0 - ae_share * avoided
        # admission avoidance and length of stay act on stays that do not end in death: the
        # share of a cell's admissions and bed days that do keeps a factor of 1
        mitigate = 1.0 + (1.0 - dying_share) * (mitigate - 1.0)
        efficiency = 1.0 + (1.0 - dying_share) * (efficiency - 1.0)
        # a diversion acts on new placements: weeks of people placed before it are still lived,
        # so it reaches the weeks only as the care-home stock turns over
        divert = 1.0 - turnover[:, None, :] * (1.0 - divert[None])  # [T, C, S]
        lam = lam_g * np.maximum(mitigate, 1.0)
        n = rng.poisson(_compound_mean(lam, extra_variance, rng))
        kept = rng.binomial(n, np.broadcast_to(np.minimum(mitigate, 1.0), n.shape))
        after = rng.binomial(kept, np.broadcast_to(divert, kept.shape))
        diverted_weeks = (kept - after)[..., weeks].sum(axis=(1, 2))
        final = rng.binomial(after, np.broadcast_to(efficiency, after.shape))
        realised = final.sum(axis=1).astype(float)  # [T, S]
        realised[:, HOME_CARE] += diverted_weeks * HOME_CARE_HOURS_PER_DIVERTED_WEEK
        values[r, 1:] = realised
        # expected steps, in order; each is the change its factor adds given the ones before
        e_demo = lam_demo.sum(axis=1)
        e_hsa = lam_hsa.sum(axis=1)
        e_g = lam_g.sum(axis=1)
        lam_m = lam_g * mitigate * divert
        e_m = lam_m.sum(axis=1)
        expected_diverted = (lam_g * mitigate * (1.0 - divert))[..., weeks].sum(axis=(1, 2))
        e_m[:, HOME_CARE] += expected_diverted * HOME_CARE_HOURS_PER_DIVERTED_WEEK
        e_eff = (lam_m * efficiency).sum(axis=1)
        e_eff[:, HOME_CARE] += expected_diverted * HOME_CARE_HOURS_PER_DIVERTED_WEEK
        steps[r, 1:, :, 0] = e_demo - total_base
        steps[r, 1:, :, 1] = e_hsa - e_demo
        steps[r, 1:, :, 2] = e_g - e_hsa
        steps[r, 1:, :, 3] = e_m - e_g
        steps[r, 1:, :, 4] = e_eff - e_m
        steps[r, 1:, :, 5] = realised - e_eff
        if progress is not None:
            progress(r, runs)
    unit = costs_data.matrix()  # [S, P]
    costs = values[..., None] * unit[None, None]
    return ProjectionResult(
        scenario=scenario.name,
        seed=seed,
        baseline_year=baseline.year,
        years=[baseline.year + t for t in range(years + 1)],
        values=values,
        costs=costs,
        steps=steps,
        parameters=params,
        variant_names=[v.name for v in variants],
        price_year=costs_data.price_year,
        index_name=costs_data.index_name,
        cost_sources={
            s: {
                "unit": c.unit,
                "cost": f"{c.cost:g}",
                "price_year": c.price_year,
                "source": c.source,
                "status": c.status,
            }
            for s, c in costs_data.costs.items()
        },
        notes=[*baseline.notes, *scenario.notes],
    )


def _dispersion(baseline: Baseline) -> np.ndarray:
    """[A, X, B, F, S] variance ÷ mean of a year's total in each cell: Σ amount² ÷ Σ amount over
    the cell's people for the ``COMPOUND`` settings (at least 1), 1 for counts of events."""
    out = np.ones_like(baseline.activity)
    total, squares = baseline.activity, baseline.squares
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, squares / np.where(total > 0, total, 1.0), 1.0)
    compound = list(COMPOUND)
    out[..., compound] = np.maximum(ratio[..., compound], 1.0)
    return out


def _compound_mean(lam: np.ndarray, extra: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson means that give each total variance λ·D (D = 1 + ``extra``, per cell and setting):
    a Gamma(λ/(D−1), D−1) mean, then Poisson, has mean λ and variance λ + λ(D−1)."""
    extra = np.broadcast_to(extra, lam.shape)
    mixed = (extra > 0) & (lam > 0)
    shape = np.where(mixed, lam / np.where(mixed, extra, 1.0), 1.0)
    drawn = rng.gamma(shape, np.where(mixed, extra, 1.0))
    return np.where(mixed, drawn, lam)


def _share_of(baseline: Baseline, part: np.ndarray | None, setting: int) -> np.ndarray:
    """[A, X, B, F] ``part`` ÷ the cell's activity in ``setting`` (0 where either is missing)."""
    whole = baseline.activity[..., setting]
    if part is None:
        return np.zeros_like(whole)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), 0.0)
    return np.clip(share, 0.0, 1.0)


def _ending_in_death_share(baseline: Baseline) -> np.ndarray:
    """[A, X, B, F, S] share of each cell's activity from emergency stays that end in death
    (admissions and bed days; 0 elsewhere, or where the baseline does not know)."""
    if baseline.ending_in_death is None:
        return np.zeros_like(baseline.activity)
    return np.stack(
        [_share_of(baseline, baseline.ending_in_death[..., s], s) for s in range(len(SETTING_IDS))],
        axis=-1,
    )


def _reablement_after_discharge_share(baseline: Baseline) -> np.ndarray:
    """[A, X, B, F] share of each cell's reablement episodes that follow an emergency discharge
    (0 where the baseline has none, or does not know)."""
    after = baseline.reablement_after_discharge
    episodes = baseline.activity[..., REABLEMENT]
    if after is None:
        return np.zeros_like(episodes)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(episodes > 0, after / np.where(episodes > 0, episodes, 1.0), 0.0)
    return np.clip(share, 0.0, 1.0)


def _new_placement_share(baseline: Baseline, years: int) -> np.ndarray:
    """[T, S]: share of each projection year's activity that comes from placements made since the
    baseline year: 1 for flows; for care-home weeks 1 − exp(−(t − ½)/L), where L (years) is the
    mean stay the baseline implies (weeks in the year ÷ 52.18 ÷ placements in the year)."""
    share = np.ones((years, len(SETTING_IDS)))
    totals = baseline.activity.sum(axis=(0, 1, 2, 3))
    t = np.arange(1, years + 1) - 0.5
    for weeks_id, placements_id in (
        ("residential_weeks", "residential_placements"),
        ("nursing_weeks", "nursing_placements"),
    ):
        placements = totals[SETTING_INDEX[placements_id]]
        if placements > 0:
            stay = totals[SETTING_INDEX[weeks_id]] / 52.18 / placements
            share[:, SETTING_INDEX[weeks_id]] = -np.expm1(-t / max(stay, 1e-6))
    return share


def _redraw_rates(
    baseline: Baseline, band_pop: np.ndarray, rates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Rates with each observed cell's activity redrawn from Gamma(mean = total, var = Σ amount²)."""
    total = baseline.activity
    squares = baseline.squares
    positive = (total > 0) & (squares > 0)
    shape = np.where(positive, total**2 / np.where(positive, squares, 1.0), 1.0)
    scale = np.where(positive, squares / np.where(positive, total, 1.0), 0.0)
    drawn = np.where(positive, rng.gamma(shape, scale), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = drawn / band_pop[..., None]
    observed = band_pop[..., None] > 0
    return np.where(observed & np.isfinite(own), own, rates)


def demographic_expectation(baseline: Baseline, population: np.ndarray) -> np.ndarray:
    """Σ baseline rate × projected population, per year and setting: [T+1, S] for one run's
    projected population [T+1, A, X, B, F]."""
    return (baseline.rates()[None] * population[..., None]).sum(axis=(1, 2, 3, 4))
