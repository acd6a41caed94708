"""Plan ahead (issue #23): the scenario form checks what the TOML checks, a run goes through a
background job, the same seed gives the same result, and a failed run saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from caretrust.jobs.models import Job
from caretrust.outcomes import planning
from caretrust.outcomes.models import PlanScenario, ProjectionRun
from caretrust.outcomes.plan_forms import ScenarioForm
from caretrust.outcomes.services import start_projection

pytestmark = pytest.mark.django_db


@pytest.fixture
def analytics(settings, tmp_path, small_place):
    (tmp_path / "extract").symlink_to(small_place, target_is_directory=True)
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    return tmp_path


def form_data(scenario: str = "integrated_care", **changes) -> dict:
    base = planning.shipped(scenario).scenario
    data = {k: ("" if v is None else v) for k, v in ScenarioForm.initial_for(base).items()}
    data.update(runs=10, years=3)
    data.update(changes)
    return data


def bound(scenario: str = "integrated_care", **changes) -> ScenarioForm:
    return ScenarioForm(form_data(scenario, **changes), base=planning.shipped(scenario).scenario)


def test_the_shipped_scenarios_include_the_baseline_only_comparator() -> None:
    stems = [s.stem for s in planning.shipped_scenarios()]
    assert stems[0] == "baseline_only" and "integrated_care" in stems
    assert planning.shipped("baseline_only").scenario.levers == {}


def test_an_unchanged_scenario_reads_back_as_the_same_scenario() -> None:
    form = bound()
    assert form.is_valid(), form.errors
    shipped = planning.shipped("integrated_care").scenario
    assert form.scenario.levers == shipped.levers
    assert form.scenario.effects == shipped.effects
    assert form.scenario.variants == shipped.variants


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"length_of_stay_low": "0.97", "length_of_stay_high": "0.85"},
            "length_of_stay_low",
            "Interval [0.97, 0.85] is the wrong way round (low > high)",
        ),
        (
            {"reablement_capacity_high": "6"},
            "reablement_capacity_low",
            "Interval [1, 6] lies outside the allowed range [0, 5]",
        ),
        (
            {"care_home_diversion_source": ""},
            "care_home_diversion_source",
            "Every value needs a source (a citation or a rationale)",
        ),
        (
            {"length_of_stay_high": ""},
            "length_of_stay_high",
            "Enter both ends of the interval, or neither to leave the lever out",
        ),
        ({"length_of_stay_low": "a lot"}, "length_of_stay_low", "Enter a number."),
        (
            {
                "coordinator_coverage_low": "",
                "coordinator_coverage_high": "",
                "coordinator_coverage_source": "",
            },
            "coordinator_coverage_low",
            "An integration effect needs [levers.coordinator_coverage]: the share of frail "
            "people it reaches",
        ),
        ({"runs": "0"}, "runs", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_the_form_refuses_what_the_toml_refuses_on_the_field(changes, field, message) -> None:
    form = bound(**changes)
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_a_lever_left_empty_is_left_out() -> None:
    form = bound(length_of_stay_low="", length_of_stay_high="", length_of_stay_source="")
    assert form.is_valid(), form.errors
    assert "length_of_stay" not in form.scenario.levers


def _start(user, scenario: str = "integrated_care", seed: int = 3, **changes) -> ProjectionRun:
    form = bound(scenario, seed=seed, **changes)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    return start_projection(
        actor=user,
        name=data["name"],
        description=data["description"],
        toml=data["toml"],
        based_on=scenario,
        seed=data["seed"],
        runs=data["runs"],
        years=data["years"],
    )


@pytest.mark.slow
def test_the_same_seed_gives_the_same_result(user_for, analytics) -> None:
    analyst = user_for("analyst")
    first, again, other = _start(analyst), _start(analyst), _start(analyst, seed=4)
    for run in (first, again, other):
        assert run.job.status == Job.Status.DONE, run.job.error
    assert first.result["settings"] == again.result["settings"]
    assert first.result["payers"] == again.result["payers"]
    assert first.result["settings"] != other.result["settings"]
    # The unchanged scenario is saved once; each run keeps its own copy of the inputs.
    assert PlanScenario.objects.count() == 1
    assert first.scenario_toml == first.scenario.toml and first.data_snapshot
    assert set(first.charts) >= {"emergency_admissions", "payer:nhs", "payer:council"}


def test_the_baseline_is_prepared_once_per_data_snapshot(analytics) -> None:
    planning._baselines.clear()
    key, baseline = planning.load_baseline()
    assert planning.load_baseline() == (key, baseline)  # the same object, from memory
    planning._baselines.clear()
    key2, from_disk = planning.load_baseline()
    assert key2 == key and from_disk is not baseline
    assert (from_disk.activity == baseline.activity).all() and from_disk.areas == baseline.areas
    assert (analytics / "cache" / f"baseline-{key}.npz").exists()


def test_a_failed_run_saves_no_result(user_for, analytics, monkeypatch) -> None:
    def broken_chart(*args, **kwargs):
        raise RuntimeError("matplotlib ran out of ink")

    monkeypatch.setattr(planning, "chart_svg", broken_chart)
    run = _start(user_for("analyst"))
    assert run.job.status == Job.Status.FAILED
    assert run.job.error == "matplotlib ran out of ink"
    assert run.result is None and run.charts is None and run.finished_at is None


def test_without_an_extract_the_run_fails_saying_what_to_do(user_for, settings, tmp_path) -> None:
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    run = _start(user_for("analyst"))
    assert run.job.status == Job.Status.FAILED
    assert "There is no Parquet extract" in run.job.error and run.result is None


@pytest.mark.slow
def test_the_pages_run_show_and_compare_runs(client, user_for, analytics) -> None:
    client.force_login(user_for("analyst"))
    index = client.get(reverse("outcomes:plan_ahead")).content.decode()
    assert "Baseline only (demography)" in index and "no Parquet extract" not in index
    new = reverse("outcomes:plan_new")
    assert client.get(new + "?scenario=integrated_care").status_code == 200
    refused = client.post(
        new, {**form_data(length_of_stay_high="2"), "based_on": "integrated_care"}
    )
    assert "lies outside the allowed range" in refused.content.decode()
    assert not ProjectionRun.objects.exists()

    response = client.post(new, {**form_data(), "based_on": "integrated_care"})
    plan = ProjectionRun.objects.get()
    assert response.url == reverse("outcomes:plan_run", kwargs={"pk": plan.pk})
    page = client.get(response.url).content.decode()
    assert "Cost per partner" in page and page.count('<figure class="ct-chart-figure"') == 15
    assert "Emergency admissions: activity and cost by year" in page
    assert "<script" not in page.split('id="maincontent"', 1)[1]

    client.post(new, {**form_data("baseline_only"), "based_on": "baseline_only"})
    baseline = ProjectionRun.objects.exclude(pk=plan.pk).get()
    compare = client.get(reverse("outcomes:plan_compare") + f"?a={baseline.pk}&b={plan.pk}")
    html = compare.content.decode()
    assert compare.status_code == 200 and html.count("<figure") == 30
    assert "Baseline only (demography)" in html and "Integrated care for frail older people" in html


def test_plan_ahead_is_for_commissioners_and_analysts(client, user_for) -> None:
    for username in ("finance", "coordinator"):
        client.force_login(user_for(username))
        assert client.get(reverse("outcomes:plan_ahead")).status_code == 403
