"""Scenario planning (issue #23): the checks of evaluation-and-planning.md §5B that apply."""

import json

import numpy as np
import pytest

from caretrust.population import connect
from caretrust.population.projection import (
    Baseline,
    Interval,
    ScenarioError,
    backtest,
    draw_parameters,
    load_scenario,
    load_unit_costs,
    parse_scenario,
    prepare_baseline,
    project_population,
    run_projection,
)
from caretrust.population.projection.baseline import N_AGES, N_BANDS
from caretrust.population.projection.model import STEPS, _ending_in_death_share
from caretrust.population.projection.scenario import (
    FRAILTY,
    HOME_CARE_HOURS_PER_DIVERTED_WEEK,
    SETTING_IDS,
    SETTING_INDEX,
    Variant,
)
from tests.population.projection_place import small_place

EXAMPLE = "src/caretrust/population/data/scenarios/integrated_care.toml"
STILL = [Variant("still", 1.0, 0.0, 0.0, "test: no change")]
DEMOGRAPHY_ONLY = """
[scenario]
name = "demography only"
"""


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Baseline:
    ds = connect(small_place(tmp_path_factory.mktemp("place")))
    return prepare_baseline(ds)


def stationary_baseline() -> Baseline:
    """Everyone aged 100+ (an age nobody leaves), nobody dies, frailty fixed: every demographic
    factor is exactly 1. Large counts so that a mean over runs is precise."""
    population = np.zeros((1, 2, N_AGES, len(FRAILTY)))
    population[0, :, 100, 1:] = 1000.0
    activity = np.zeros((1, 2, N_BANDS, len(FRAILTY), len(SETTING_IDS)))
    activity[0, :, N_BANDS - 1, 1:, :] = np.linspace(5_000, 20_000, len(SETTING_IDS))
    return Baseline(
        year_start=__import__("datetime").date(2020, 4, 1),
        areas=("a",),
        population=population,
        activity=activity,
        squares=activity.copy(),
        deaths=np.zeros((1, 2, N_BANDS, len(FRAILTY))),
        transitions=np.zeros((N_BANDS, len(FRAILTY), len(FRAILTY))),
        entry=np.full((2, 4), 0.25),
    )


def scenario(text: str = DEMOGRAPHY_ONLY, variants: list[Variant] | None = None):
    parsed = parse_scenario(text)
    if variants is not None:
        from dataclasses import replace

        parsed = replace(parsed, variants=tuple(variants))
    return parsed


def test_interval_is_read_as_an_80_percent_interval():
    interval = Interval(0.85, 0.95, "test")
    assert interval.mean == pytest.approx(0.90)
    assert interval.sd == pytest.approx(0.0390, abs=1e-4)
    draws = interval.draw(np.random.default_rng(2), 10_000)
    inside = np.mean((draws >= 0.85) & (draws <= 0.95))
    assert 0.79 <= inside <= 0.81


def test_draws_are_clipped_to_the_lever_limits():
    draws = Interval(0.9, 1.0, "test").draw(np.random.default_rng(3), 10_000)
    assert draws.max() == 1.0  # a factor that avoids activity never adds any
    assert (draws == 1.0).mean() > 0.05


def test_run_zero_is_the_baseline_for_every_setting_and_year(baseline):
    result = run_projection(load_scenario(EXAMPLE), baseline, seed=4, runs=8, years=5)
    totals = baseline.totals()
    for s, setting in enumerate(SETTING_IDS):
        assert (result.values[0, :, s] == totals[setting]).all()
    frame = result.to_frame()
    assert set(frame.setting) == set(SETTING_IDS)
    assert {"principal", "p10", "p50", "p90", "cost_nhs", "cost_council", "cost_person"} <= set(
        frame.columns
    )


def test_with_every_factor_one_the_mean_of_runs_is_the_baseline():
    base = stationary_baseline()
    result = run_projection(scenario(variants=STILL), base, seed=5, runs=200, years=3)
    means = result.values[1:].mean(axis=0)  # [T+1, S]
    totals = np.array(list(base.totals().values()))
    assert np.all(np.abs(means / totals - 1) < 0.01)


def test_demographic_only_runs_match_rate_times_projected_population(baseline):
    sc = scenario()
    result = run_projection(sc, baseline, seed=6, runs=300, years=10)
    params = result.parameters
    variants = sc.variants
    pop = project_population(
        baseline,
        10,
        mortality_improvement=np.array([variants[v].mortality_improvement for v in params.variant]),
        inflow_rate=np.array([variants[v].inflow_rate for v in params.variant]),
        health_status=np.ones(len(params.variant)),
    )
    # Σ baseline rate × projected population, by age band and sex (frailty and area kept apart
    # because the rates differ by them), averaged over the same runs
    rates = baseline.activity / np.maximum(baseline.band_population(), 1e-300)[..., None]
    rates = np.where(baseline.band_population()[..., None] > 0, rates, baseline.rates())
    expected = np.einsum("axbfs,rtaxbf->rts", rates, pop)[1:].mean(axis=0)
    observed = result.values[1:].mean(axis=0)
    big = np.array(list(baseline.totals().values())) >= 100
    # within four standard errors of the mean of runs (amounts that come in lumps, such as bed
    # days and hours, vary as a compound Poisson and have the larger errors)
    error = result.values[1:, 1:, big].std(axis=0) / np.sqrt(result.runs)
    assert np.all(np.abs(observed[1:, big] - expected[1:, big]) < 4 * error)
    assert np.all(np.abs(observed[1:, big] / expected[1:, big] - 1) < 0.05)


def test_variant_frequencies_match_their_probabilities():
    sc = load_scenario(EXAMPLE)
    params = draw_parameters(sc, 10_000, seed=7)
    for i, variant in enumerate(sc.variants):
        share = np.mean(params.variant[1:] == i)
        assert abs(share - variant.probability) < 0.02
    assert params.variant[0] == sc.most_probable_variant


def test_step_counts_sum_to_the_total_change(baseline):
    result = run_projection(load_scenario(EXAMPLE), baseline, seed=8, runs=20, years=6)
    change = result.values - result.values[0:1, 0:1]
    assert np.allclose(result.steps.sum(axis=-1), change, atol=1e-6)
    steps = result.steps_frame()
    assert set(steps.step) == set(STEPS)
    frame = result.to_frame().set_index(["setting", "year"])
    summed = steps.groupby(["setting", "year"]).value.sum()
    assert np.allclose(summed, (frame.principal - frame.baseline).loc[summed.index], atol=1e-6)


def test_same_seed_same_runs_new_seed_new_runs_same_baseline(baseline):
    sc = load_scenario(EXAMPLE)
    one = run_projection(sc, baseline, seed=9, runs=12, years=4)
    again = run_projection(sc, baseline, seed=9, runs=12, years=4)
    other = run_projection(sc, baseline, seed=10, runs=12, years=4)
    assert np.array_equal(one.values, again.values)
    assert np.array_equal(one.costs, again.costs)
    assert one.to_json() == again.to_json()
    assert np.array_equal(one.values[0], other.values[0])
    assert not np.array_equal(one.values[1:], other.values[1:])


def test_integration_effect_reaches_only_covered_frail_people(baseline, tmp_path):
    evaluation = tmp_path / "evaluation.json"
    evaluation.write_text(
        json.dumps(
            {
                "design": "synthetic control",
                "effects": [
                    {
                        "outcome": "emergency_admissions",
                        "rate_ratio": 0.5,
                        "ci_low": 0.5,
                        "ci_high": 0.5,
                    },
                    {
                        "outcome": "carer_quality_of_life",
                        "rate_ratio": 1.1,
                        "ci_low": 1.0,
                        "ci_high": 1.2,
                    },
                ],
            }
        )
    )
    path = tmp_path / "plan.toml"
    path.write_text(
        '[levers.coordinator_coverage]\ninterval = [1.0, 1.0]\nsource = "test: everyone"\n'
        '[integration_effect]\nevaluation = "evaluation.json"\nsource = "test"\n'
    )
    sc = load_scenario(path)
    assert any("carer_quality_of_life" in note for note in sc.notes)
    from dataclasses import replace

    sc = replace(sc, variants=tuple(STILL))
    result = run_projection(sc, baseline, seed=11, runs=3, years=1)
    frail = baseline.rates()[..., 2:, :] * baseline.band_population()[..., 2:, None]
    s = SETTING_INDEX["emergency_admissions"]
    step = result.steps[1, 1, s, STEPS.index("mitigators")]
    # people age a year before year 1's activity, so compare with the projected frail population
    pop = project_population(
        baseline,
        1,
        mortality_improvement=np.zeros(1),
        inflow_rate=np.zeros(1),
        health_status=np.ones(1),
    )[0, 1]
    # ... and the effect reaches the admissions that do not end in death (ADR 0102)
    dying = baseline.ending_in_death[..., 2:, s].sum() / baseline.activity[..., 2:, s].sum()
    assert 0 < dying < 0.5
    share = _ending_in_death_share(baseline)[..., 2:, s]
    frail = (baseline.rates()[..., 2:, s] * pop[..., 2:] * (1.0 - share)).sum()
    assert step == pytest.approx(-0.5 * frail)
    assert result.steps[1, 1, SETTING_INDEX["gp_contacts"], STEPS.index("mitigators")] == 0


def test_diverted_care_home_weeks_become_home_care_hours():
    base = stationary_baseline()
    text = '[levers.care_home_diversion]\ninterval = [0.5, 0.5]\nsource = "test: half"\n'
    result = run_projection(scenario(text, STILL), base, seed=12, runs=2, years=1)
    weeks = sum(base.totals()[s] for s in ("residential_weeks", "nursing_weeks"))
    k = STEPS.index("mitigators")
    assert result.steps[1, 1, SETTING_INDEX["residential_weeks"], k] == pytest.approx(
        -0.5 * base.totals()["residential_weeks"]
    )
    assert result.steps[1, 1, SETTING_INDEX["home_care_hours"], k] == pytest.approx(
        0.5 * weeks * HOME_CARE_HOURS_PER_DIVERTED_WEEK
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '[scenario]\nname = "x"\n\n[levers.teleportation]\ninterval = [0.1, 0.2]\nsource = "x"\n',
            4,
            "unknown lever 'teleportation'",
        ),
        (
            '[levers.length_of_stay]\nsource = "x"\ninterval = [0.95, 0.85]\n',
            3,
            "wrong way round",
        ),
        (
            '[levers.frail_admission_avoidance]\ninterval = [0.9, 1.2]\nsource = "x"\n',
            2,
            "outside the allowed range [0, 1]",
        ),
        ("[levers.length_of_stay]\ninterval = [0.8, 0.9]\n", 1, "needs a source"),
        ('[scenario]\nname = "x"\nhorizon = 30\n', 3, "unknown field 'horizon'"),
        (
            '[levers]\nlength_of_stay = { interval = [0.8, 0.9], colour = "red", source = "x" }\n',
            2,
            "unknown field 'colour'",
        ),
    ],
)
def test_bad_scenario_files_are_refused_naming_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value).startswith(f"{path}:{line}: ")
    assert message in str(error.value)


def test_example_scenario_gives_every_lever_a_source():
    sc = load_scenario(EXAMPLE)
    assert len(sc.levers) == 7
    assert all(interval.source for interval in sc.levers.values())
    assert sc.effects and sc.effects_source


def test_unit_costs_carry_price_year_source_and_payers():
    costs = load_unit_costs()
    assert costs.index_name
    for setting in SETTING_IDS:
        item = costs.costs[setting]
        assert item.source and item.price_year in costs.index
        assert sum(item.shares.values()) == pytest.approx(1)
    gp = costs.costs["gp_contacts"]
    assert gp.cost == 49.0 and gp.price_year == "2022/23"
    assert costs.uprated("gp_contacts") == pytest.approx(
        49.0 * costs.index[costs.price_year] / costs.index["2022/23"]
    )


def test_costs_split_by_payer_add_up(baseline):
    result = run_projection(load_scenario(EXAMPLE), baseline, seed=13, runs=10, years=3)
    frame = result.to_frame()
    payers = frame[["cost_nhs", "cost_council", "cost_person"]].sum(axis=1)
    assert np.allclose(payers, frame.cost_total)
    by_payer = result.payer_frame()
    assert set(by_payer.payer) == {"nhs", "council", "person"}
    year = by_payer[by_payer.year == result.years[-1]].set_index("payer").principal
    assert year.sum() == pytest.approx(frame[frame.year == result.years[-1]].cost_total.sum())


def test_health_status_adjustment_keeps_gained_years_fit(baseline):
    kwargs = {"mortality_improvement": np.full(2, 0.02), "inflow_rate": np.zeros(2)}
    pop = project_population(baseline, 15, health_status=np.array([1.0, 0.0]), **kwargs)
    frail = pop[:, -1, ..., 2:].sum(axis=(1, 2, 3, 4))
    fit = pop[:, -1, ..., 1].sum(axis=(1, 2, 3))
    assert frail[1] < frail[0] and fit[1] > fit[0]  # h = 0: progression slows with mortality
    assert pop[0, -1].sum() == pytest.approx(pop[1, -1].sum(), rel=0.01)  # deaths barely move
    still = project_population(
        baseline,
        15,
        health_status=np.array([0.0]),
        mortality_improvement=np.zeros(1),
        inflow_rate=np.zeros(1),
    )
    same = project_population(
        baseline,
        15,
        health_status=np.array([1.0]),
        mortality_improvement=np.zeros(1),
        inflow_rate=np.zeros(1),
    )
    assert np.allclose(still, same)  # with no mortality gain there is nothing to adjust


def test_inflow_adds_people_with_the_baseline_mix(baseline):
    none, some = (
        project_population(
            baseline,
            1,
            mortality_improvement=np.zeros(1),
            inflow_rate=np.array([rate]),
            health_status=np.ones(1),
        )[0, 1]
        for rate in (0.0, 0.01)
    )
    assert (some - none).sum() == pytest.approx(0.01 * baseline.population.sum())


def test_estimation_uncertainty_widens_intervals_and_progress_is_reported(baseline):
    sc = scenario()
    calls = []
    narrow = run_projection(sc, baseline, seed=14, runs=60, years=3)
    wide = run_projection(
        sc,
        baseline,
        seed=14,
        runs=60,
        years=3,
        estimation_uncertainty=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (60, 60) and len(calls) == 60
    # GP contacts: a few people bring many contacts, so the year's rates are less certain than
    # the count's own Poisson noise says (home care hours now carry their compound noise in both)
    s = SETTING_INDEX["gp_contacts"]
    assert wide.values[1:, -1, s].std() > 1.5 * narrow.values[1:, -1, s].std()


@pytest.mark.slow
def test_back_test_on_a_generated_place(tmp_path_factory):
    ds = connect(small_place(tmp_path_factory.mktemp("backtest")))
    result = backtest(ds, fit_years=3, seed=3, runs=100)
    frame = result.frame
    assert result.baseline_year == 2017
    assert sorted(frame.year.unique()) == [2018, 2019, 2020]
    assert set(frame.setting) == set(SETTING_IDS)
    assert (frame.inside == ((frame.p10 <= frame.observed) & (frame.observed <= frame.p90))).all()
    assert 0 <= result.coverage <= 1 and result.median_relative_width > 0
    # GP, A&E and emergency admissions are flows at steady age-specific rates in the generator, so
    # the projection should land near them; stocks (home care hours, care-home weeks) build up
    # from the record's first day, so a projection from an early year under-shoots them, which
    # the back-test reports rather than hides
    flows = frame[frame.setting.isin(["gp_contacts", "ae_attendances", "emergency_admissions"])]
    assert (flows.observed / flows.p50 - 1).abs().median() < 0.15


def test_diversion_reaches_care_home_weeks_as_the_stock_turns_over():
    # a diversion stops new placements; people already in a care home stay, so weeks fall by
    # less than placements at first and catch up as the residents of the baseline year leave
    sc = scenario(
        DEMOGRAPHY_ONLY
        + """
[levers.care_home_diversion]
interval = [0.5, 0.5]
source = "test"
""",
        STILL,
    )
    base = stationary_baseline()
    placed, weeks = SETTING_INDEX["residential_placements"], SETTING_INDEX["residential_weeks"]
    # a mean stay of three years: a year's weeks are 3 × 52.18 per placement
    base.activity[..., placed] = base.activity[..., weeks] / 52.18 / 3
    result = run_projection(sc, base, seed=3, runs=200, years=8)
    mean = result.values[1:].mean(axis=0)
    kept_placements = mean[1:, placed] / mean[0, placed]
    kept_weeks = mean[1:, weeks] / mean[0, weeks]
    assert np.allclose(kept_placements, 0.5, atol=0.02)
    assert kept_weeks[0] > 0.55 and np.all(np.diff(kept_weeks) < 0.01)
    assert kept_weeks[-1] < kept_weeks[0] - 0.05


def test_growth_is_drawn_for_each_setting_on_its_own():
    sc = scenario(
        DEMOGRAPHY_ONLY
        + """
[levers.non_demographic_growth]
interval = [0.98, 1.02]
source = "test"
""",
        STILL,
    )
    params = draw_parameters(sc, 2_000, seed=5)
    growth = params.levers["non_demographic_growth"]
    assert growth.shape == (2_001, len(SETTING_IDS))
    assert np.all(growth[0] == 1.0)
    correlation = np.corrcoef(growth[1:, 0], growth[1:, 1])[0, 1]
    assert abs(correlation) < 0.1
    assert np.mean((growth[1:] >= 0.98) & (growth[1:] <= 1.02)) == pytest.approx(0.8, abs=0.02)


def test_one_unit_costs_file_serves_the_projection_and_the_evaluation():
    from caretrust.population.evaluation.effects import unit_costs

    projection = load_unit_costs()
    evaluation = unit_costs()
    assert evaluation["price_year"] == projection.price_year
    for name, item in evaluation["costs"].items():
        assert item["source"] and item["status"] in ("confirmed", "secondary", "assumption"), name
        if item["same_as_setting"]:
            assert item["value"] == pytest.approx(
                projection.uprated(item["same_as_setting"]), abs=0.01
            )
    assert evaluation["costs"]["bed_day"]["status"] == "assumption"


def test_avoided_emergency_admissions_also_avoid_the_reablement_that_follows_them():
    base = stationary_baseline()
    reablement = SETTING_INDEX["reablement_episodes"]
    # half of every group's reablement episodes follow an emergency discharge
    base.reablement_after_discharge = base.activity[..., reablement] / 2
    lever = DEMOGRAPHY_ONLY + (
        '[levers.frail_admission_avoidance]\ninterval = [0.6, 0.6]\nsource = "test"\n'
    )
    none = run_projection(scenario(variants=STILL), base, seed=3, runs=100, years=1)
    some = run_projection(scenario(lever, variants=STILL), base, seed=3, runs=100, years=1)
    ratio = some.values[1:, 1, reablement].mean() / none.values[1:, 1, reablement].mean()
    # fit people unchanged; the three frail groups keep 1 − ½ × (1 − 0.6) = 0.8 of theirs
    assert ratio == pytest.approx((1 + 3 * 0.8) / 4, abs=0.01)


def test_admission_avoidance_and_length_of_stay_leave_stays_that_end_in_death():
    base = stationary_baseline()
    admissions, beds = SETTING_INDEX["emergency_admissions"], SETTING_INDEX["emergency_bed_days"]
    base.ending_in_death = np.zeros_like(base.activity)
    base.ending_in_death[..., admissions] = base.activity[..., admissions] / 2
    base.ending_in_death[..., beds] = base.activity[..., beds] / 4
    avoid = '[levers.frail_admission_avoidance]\ninterval = [0.6, 0.6]\nsource = "test"\n'
    shorter = '[levers.length_of_stay]\ninterval = [0.8, 0.8]\nsource = "test"\n'
    none = run_projection(scenario(variants=STILL), base, seed=3, runs=100, years=1)
    mean = none.values[1:, 1].mean(axis=0)
    some = run_projection(
        scenario(DEMOGRAPHY_ONLY + avoid, variants=STILL), base, seed=3, runs=100, years=1
    )
    ratio = some.values[1:, 1].mean(axis=0) / mean
    # fit people unchanged; the three frail groups avoid 40% of the half that does not end in death
    assert ratio[admissions] == pytest.approx((1 + 3 * (1 - 0.5 * 0.4)) / 4, abs=0.01)
    assert ratio[beds] == pytest.approx((1 + 3 * (1 - 0.75 * 0.4)) / 4, abs=0.01)
    some = run_projection(
        scenario(DEMOGRAPHY_ONLY + shorter, variants=STILL), base, seed=3, runs=100, years=1
    )
    ratio = some.values[1:, 1].mean(axis=0) / mean
    # everyone is 65+: 20% shorter stays in the three quarters of bed days not ending in death
    assert ratio[beds] == pytest.approx(1 - 0.75 * 0.2, abs=0.01)
    assert ratio[admissions] == pytest.approx(1.0, abs=0.01)


def test_avoided_emergency_admissions_also_avoid_the_ae_attendance_that_brought_them():
    base = stationary_baseline()
    ae = SETTING_INDEX["ae_attendances"]
    base.ae_with_admission = base.activity[..., ae] / 4  # a quarter brought an admission
    lever = DEMOGRAPHY_ONLY + (
        '[levers.frail_admission_avoidance]\ninterval = [0.6, 0.6]\nsource = "test"\n'
    )
    none = run_projection(scenario(variants=STILL), base, seed=3, runs=100, years=1)
    some = run_projection(scenario(lever, variants=STILL), base, seed=3, runs=100, years=1)
    ratio = some.values[1:, 1, ae].mean() / none.values[1:, 1, ae].mean()
    assert ratio == pytest.approx((1 + 3 * (1 - 0.25 * 0.4)) / 4, abs=0.01)


def test_amounts_that_come_in_lumps_vary_as_a_compound_poisson():
    base = stationary_baseline()
    beds, admissions = SETTING_INDEX["emergency_bed_days"], SETTING_INDEX["emergency_admissions"]
    base.squares[..., beds] = base.activity[..., beds] * 8  # each person's stays: 8 days a time
    result = run_projection(scenario(variants=STILL), base, seed=4, runs=400, years=1)
    for s, dispersion in ((beds, 8.0), (admissions, 1.0)):
        runs = result.values[1:, 1, s]
        assert runs.var() / runs.mean() == pytest.approx(dispersion, rel=0.2)
