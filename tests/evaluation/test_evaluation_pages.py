"""The Evaluation pages (issue #22): the form checks what a person can fix, an evaluation runs as a
background job and is saved with its parameters, data snapshot and code version, the result page
shows the headline, charts, diagnostics and caveats, a refusal is said in words, and running it
again on the same data gives the same numbers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.evaluation.models import Evaluation
from caretrust.evaluation.running import counterfactual_band, read_place
from caretrust.jobs.models import Job

from .conftest import START

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    data = {
        "design": "matched_did",
        "outcome": "emergency_admissions",
        "treated_area": "torbay",
        "start": START.isoformat(),
        "pre_years": "2",
        "seed": "1",
    }
    data.update(changes)
    return data


def test_the_place_lists_its_areas_and_localities(analytics) -> None:
    place = read_place()
    assert place is not None and len(place.names) == 2 and "torbay" in place.names
    assert place.people("torbay") == 1500


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start": "1 April"}, "start", "Enter the start as a date, like 2019-04-01"),
        (
            {"comparison_areas": ["torbay"]},
            "comparison_areas",
            "Torbay is the area that integrated: it cannot also be a comparison",
        ),
        (
            {"locality_starts": "nowhere=2019-04-01"},
            "locality_starts",
            "Line 1: nowhere is not a locality of Torbay",
        ),
        (
            {"locality_starts": "torquay 2019"},
            "locality_starts",
            "Line 1: write a locality and its start, like paignton=2020-04-01",
        ),
    ],
)
def test_the_form_puts_each_problem_on_its_field(
    client, user_for, analytics, changes, field, message
) -> None:
    client.force_login(user_for("analyst"))
    response = client.post(reverse("evaluation:new"), form_data(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and f'href="#id_{field}"' in page
    assert message in page.replace("&#x27;", "'")
    assert not Evaluation.objects.exists()


@pytest.mark.slow
def test_an_evaluation_runs_and_shows_its_result(client, user_for, analytics) -> None:
    analyst = user_for("analyst")
    client.force_login(analyst)
    index = client.get(reverse("evaluation:index")).content.decode()
    assert "Run an evaluation" in index and "No evaluation has been run yet." in index
    response = client.post(reverse("evaluation:new"), form_data())
    evaluation = Evaluation.objects.get()
    assert response.url == reverse("evaluation:detail", kwargs={"pk": evaluation.pk})
    # saved with what it needs to be reproduced
    assert evaluation.job.status == Job.Status.DONE
    assert evaluation.parameters["design"] == "matched_did"
    assert evaluation.parameters["start"] == START.isoformat()
    assert len(evaluation.data_snapshot) == 64
    assert evaluation.code_version.startswith("caretrust ")
    assert evaluation.status == "estimate"
    assert evaluation.result["data"]["snapshot_sha256"] == evaluation.data_snapshot
    assert AuditEvent.objects.filter(object_type="evaluation.evaluation").exists()

    page = client.get(response.url).content.decode()
    assert evaluation.headline in page.replace("&#39;", "'")
    assert "than expected without integration" in evaluation.headline
    assert len(re.findall(r'<figure class="ct-chart-figure"[^>]*><svg', page)) == 2
    for heading in ("Observed and expected without integration", "Event study", "Diagnostics",
                    "Balance before and after matching", "Caveats", "To reproduce it"):  # fmt: skip
        assert f">{heading}</h2>" in page
    assert "Trends before the start (pre-period leads)" in page
    assert "Placebo start date two years early" in page
    assert evaluation.data_snapshot in page
    # the post-period points of the expected rate carry their band; the pre-period ones do not
    band = counterfactual_band(evaluation.result)
    assert all((row["low"] is None) == (row["period"] < 0) for row in band)
    assert all(row["low"] < row["expected"] < row["high"] for row in band if row["low"])

    listed = client.get(reverse("evaluation:index")).content.decode()
    assert f"Evaluation {evaluation.pk}:" in listed

    again = client.post(reverse("evaluation:again", kwargs={"pk": evaluation.pk}))
    second = Evaluation.objects.exclude(pk=evaluation.pk).get()
    assert again.url == reverse("evaluation:detail", kwargs={"pk": second.pk})
    assert second.parameters == evaluation.parameters
    assert second.data_snapshot == evaluation.data_snapshot
    assert second.result["effect"] == evaluation.result["effect"]


def test_a_design_that_cannot_answer_says_why(client, user_for, analytics) -> None:
    client.force_login(user_for("analyst"))
    response = client.post(reverse("evaluation:new"), form_data(design="synthetic_control"))
    evaluation = Evaluation.objects.get()
    assert evaluation.status == "refused" and evaluation.job.status == Job.Status.DONE
    page = client.get(response.url).content.decode()
    assert "No estimate" in page
    assert "Synthetic control needs at least 10 donor areas for placebo inference; 1 given." in page
    assert "ct-chart-figure" not in page


def test_evaluation_is_for_commissioners_and_analysts(client, user_for, analytics) -> None:
    for username in ("gp", "coordinator"):
        client.force_login(user_for(username))
        assert client.get(reverse("evaluation:index")).status_code == 403
        assert client.post(reverse("evaluation:new"), form_data()).status_code == 403
    assert not Evaluation.objects.exists()


@pytest.mark.slow
def test_length_of_stay_is_shown_in_days_per_stay(client, user_for, analytics) -> None:
    client.force_login(user_for("analyst"))
    response = client.post(reverse("evaluation:new"), form_data(outcome="emergency_length_of_stay"))
    evaluation = Evaluation.objects.get()
    assert evaluation.status == "estimate", evaluation.result
    assert evaluation.result["effect"]["unit"] == "days per stay"
    page = client.get(response.url).content.decode()
    assert "Emergency length of stay of frail people aged 65+ was" in page
    assert "Ratio of bed days per stay" in page and "Difference (days per stay)" in page
    assert "days per stay after the start" in page and "1,000 person-years" not in page


def test_an_evaluation_saved_before_outcomes_had_units_still_shows(evaluation_saved_before_units):
    from caretrust.evaluation.presenters import evaluation_view

    view = evaluation_view(evaluation_saved_before_units)
    assert view["unit"] == "per 1,000 person-years"
    assert view["effect_rows"][2] == {
        "measure": "Difference (per 1,000 person-years)",
        "estimate": "-12.5",
        "interval": "-20.0 to -5.0",
    }
    assert view["observed_rate"] == "70.0" and view["expected_rate"] == "82.5"


@pytest.fixture
def evaluation_saved_before_units(user_for, analytics):
    """A saved result from before effects carried their unit (its keys as they were)."""
    import datetime as dt

    effect = {
        "rate_ratio": {"estimate": 0.85, "low": 0.78, "high": 0.93},
        "percent_change": {"estimate": -15.0, "low": -22.0, "high": -7.0},
        "per_1000_person_years": {"estimate": -12.5, "low": -20.0, "high": -5.0},
        "treated_rate_per_1000": 70.0,
        "counterfactual_rate_per_1000": 82.5,
        "interval_kind": "Wald, cluster-robust",
    }
    return Evaluation.objects.create(
        title="Saved before units",
        design="matched_did",
        outcome="emergency_admissions",
        treated_area="torbay",
        start=dt.date(2018, 4, 1),
        parameters=form_data(),
        data_dir=str(analytics),
        created_by=user_for("analyst"),
        status="estimate",
        result={
            "effect": effect,
            "spec": {"start": "2018-04-01", "design": "matched_did"},
            "counts": {},
        },
    )
