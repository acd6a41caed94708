"""Find and measure in the web app: published indicators, risk scores written back, case finding."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Organisation
from caretrust.outcomes.models import RiskScore
from caretrust.outcomes.published import compute_published, read_published, write_published
from caretrust.outcomes.services import load_scores
from caretrust.people.models import Person
from tests.factories import person_row


@pytest.mark.slow
def test_published_indicators_are_suppressed_and_carry_their_area(small_place) -> None:
    frame = compute_published(small_place)
    assert set(frame.level) == {"area", "locality"}
    assert set(frame[frame.level == "area"].group) == {"torbay", "comparison_1"}
    localities = frame[frame.level == "locality"]
    assert set(localities.area) <= {"torbay", "comparison_1"} and "" not in set(localities.area)
    small = frame[(frame.numerator > 0) & (frame.numerator <= 7)]
    assert small.empty, "counts from 1 to 7 must not be published (HES rule)"
    shown = frame.numerator.dropna()
    assert (shown % 5 == 0).all(), "other counts are rounded to the nearest 5"
    assert frame.suppressed.any()
    assert frame[frame.suppressed].value.isna().all()


@pytest.mark.slow
def test_published_file_round_trips(small_place, tmp_path) -> None:
    frame = compute_published(small_place)
    write_published(frame, tmp_path)
    back = read_published(tmp_path)
    assert len(back) == len(frame)
    assert read_published(tmp_path / "nowhere") is None


@pytest.fixture
def registered(demo_directory) -> list[Person]:
    practices = {o.code: o for o in Organisation.objects.filter(kind="gp_practice")}
    people = []
    for i, code in enumerate(["DEMO-GP1", "DEMO-GP1", "DEMO-GP2", "DEMO-GP3"]):
        people.append(
            person_row(
                given_name=f"Person{i}",
                family_name="Case",
                birth_date=date(1940, 1, 1),
                gp_practice=practices[code],
            )
        )
    return people


def write_scores(directory, people, risks) -> None:
    pd.DataFrame(
        {
            "person_id": [str(p.ref) for p in people] + ["not-a-person"],
            "score_date": [date(2026, 10, 31)] * (len(people) + 1),
            "model": ["emergency_admission_12m"] * (len(people) + 1),
            "risk": [*risks, 0.5],
            "rank_percentile": [
                100.0 * (i + 1) / (len(people) + 1) for i in range(len(people) + 1)
            ],
        }
    ).to_parquet(directory / "risk_scores.parquet")


def test_scores_are_written_back_to_the_record_once(registered, tmp_path) -> None:
    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    first = load_scores(data_dir=tmp_path)
    assert (first.read, first.loaded, first.unknown_people) == (5, 4, 1)
    again = load_scores(data_dir=tmp_path)
    assert again.loaded == 4
    assert RiskScore.objects.count() == 4
    assert AuditEvent.objects.filter(object_type="outcomes.riskscore").count() == 2


def test_case_finding_lists_the_coordinators_locality_highest_risk_first(
    client, registered, tmp_path, user_for
) -> None:
    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    load_scores(data_dir=tmp_path)
    client.force_login(user_for("coordinator"))  # Torquay: practices DEMO-GP1 and DEMO-GP2
    html = client.get("/outcomes/case-finding/").content.decode()
    order = [html.index(f"Person{i} CASE") for i in (0, 2, 1)]
    assert order == sorted(order)  # 90%, 70%, 20%
    assert "Person3 CASE" not in html  # Paignton practice: another locality
    reads = AuditEvent.objects.filter(action="read", object_type="outcomes.case_finding")
    assert {e.person_ref for e in reads} == {str(registered[i].ref) for i in (0, 1, 2)}


def test_case_finding_shows_how_good_the_model_is(
    client, registered, settings, tmp_path, user_for
) -> None:
    from caretrust.outcomes.published import write_risk_model

    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    load_scores(data_dir=tmp_path)
    client.force_login(user_for("coordinator"))
    assert "How good is this list?" not in client.get("/outcomes/case-finding/").content.decode()
    top = [
        {"fraction": f, "people": k, "ppv": ppv, "sensitivity": sens}
        for f, k, ppv, sens in (
            (0.005, 5, 0.6, 3 / 7),
            (0.01, 10, 0.4, 4 / 7),
            (0.05, 50, 0.1, 5 / 7),
        )
    ]
    deciles = [{"decile": d, "mean_predicted": d / 50, "observed": d / 48} for d in range(1, 11)]
    metrics = {"n": 1000, "prevalence": 0.007, "auc": 0.781, "slope": 0.97, "intercept": -0.12}
    write_risk_model(
        {
            "kept": "gradient_boosting",
            "reason": "gradient boosting kept: validation AUC 0.790 against 0.785 (logistic)",
            "test_as_of": "2024-03-31",
            "test": {**metrics, "top": top, "calibration": deciles},
            "age_only": {**metrics, "auc": 0.659, "top": top, "calibration": deciles},
            "true_risk": {**metrics, "auc": 0.795, "top": top, "calibration": deciles},
        },
        tmp_path / "published",
    )
    html = client.get("/outcomes/case-finding/").content.decode()
    assert "How good is this list?" in html and "Gradient-boosted trees" in html
    assert "0.781" in html and "0.659" in html and "0.795" in html  # model, age alone, ceiling
    assert "0.97" in html and "-0.12" in html  # calibration slope and intercept
    assert "Top 0.5%" in html and "60.0%" in html and "42.9%" in html  # PPV, sensitivity
    assert html.count("<circle") == 10 and "Decile 10: predicted 20.0%" in html


def test_the_gp_sees_only_their_own_practice(client, registered, tmp_path, user_for) -> None:
    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    load_scores(data_dir=tmp_path)
    client.force_login(user_for("gp"))
    html = client.get("/outcomes/case-finding/").content.decode()
    assert "Person0 CASE" in html and "Person2 CASE" not in html


def test_the_list_does_not_open_records_without_a_relationship(registered, user_for) -> None:
    from caretrust.access.policy import decide

    # On the coordinator's case-finding list, but no referral yet: the record stays closed.
    assert not decide(user_for("coordinator"), "people.view_record", registered[0]).allowed
    # The GP practice has a relationship with its own registered patients.
    assert decide(user_for("gp"), "people.view_record", registered[0]).allowed


@pytest.mark.slow
def test_dashboard_shows_spc_charts_to_analysts_only(
    client, demo_directory, small_place, settings, tmp_path, user_for
) -> None:
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    client.force_login(user_for("analyst"))
    assert "No indicators have been published yet" in client.get("/outcomes/").content.decode()
    write_published(compute_published(small_place), tmp_path / "published")
    html = client.get("/outcomes/?area=torbay").content.decode()
    assert "Emergency admissions" in html
    assert "<svg" in html and "XmR chart of" in html
    assert "Definition and source" in html
    client.force_login(user_for("nurse"))
    assert client.get("/outcomes/").status_code == 403


def test_one_click_refers_into_the_coordinator_worklist(
    client, registered, tmp_path, user_for
) -> None:
    from caretrust.referrals.models import Referral

    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    load_scores(data_dir=tmp_path)
    gp = user_for("gp")
    client.force_login(gp)
    score = RiskScore.objects.get(person=registered[0])
    url = f"/outcomes/case-finding/{score.pk}/refer/"
    # Who agreed and how is recorded by the referrer, never assumed (ADR 74).
    response = client.post(url, {"basis": "agreed", "method": "phone"})
    assert response.status_code == 400
    assert 'href="#given_on"' in response.content.decode()
    assert not Referral.objects.filter(person=registered[0]).exists()
    response = client.post(url, {"basis": "agreed", "method": "phone", "given_on": "01/12/2026"})
    assert 'href="#given_by"' in response.content.decode()
    response = client.post(
        url,
        {"basis": "agreed", "given_by": "Herself", "method": "phone", "given_on": "01/12/2026"},
        follow=True,
    )
    referral = Referral.objects.get(person=registered[0])
    assert referral.consent_record.given_by == "Herself"
    assert referral.consent_record.method == "phone"
    assert referral.source == "case_finding"
    assert referral.status == "requested"
    assert "risk of an emergency admission" in referral.reason
    html = response.content.decode()
    assert f"was referred to the co-ordinators ({referral.reference})" in html
    assert f"Referred ({referral.reference})" in html
    # The co-ordinator for Torquay now sees it in the worklist.
    client.force_login(user_for("coordinator"))
    assert referral.reference in client.get("/referrals/worklist/").content.decode()


def test_referring_someone_outside_your_practices_is_refused(
    client, registered, tmp_path, user_for
) -> None:
    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    load_scores(data_dir=tmp_path)
    client.force_login(user_for("gp"))  # Harbour Medical Practice (DEMO-GP1) only
    other = RiskScore.objects.get(person=registered[2])  # DEMO-GP2
    assert client.get(f"/outcomes/case-finding/{other.pk}/refer/").status_code == 403
    assert client.post(f"/outcomes/case-finding/{other.pk}/refer/").status_code == 403


@pytest.mark.slow
def test_refresh_publishes_the_risk_model_figures_for_the_page(db, settings, tmp_path) -> None:
    import typer
    from typer.testing import CliRunner

    from caretrust.outcomes.commands import register
    from caretrust.outcomes.published import read_risk_model
    from tests.population.test_parity import mixed_world

    data = mixed_world().write(tmp_path / "data")
    settings.CARETRUST_ANALYTICS_DIR = tmp_path / "analytics"
    cli = typer.Typer()
    register(cli)
    result = CliRunner().invoke(
        cli, ["outcomes", "refresh", "--data", str(data), "--as-of", "2024-03-31"]
    )
    assert result.exit_code == 0, result.output
    assert "age only" in " ".join(result.output.split())
    report = read_risk_model(tmp_path / "analytics" / "published")
    assert report == json.loads((data / "risk_model.json").read_text())
    assert report["kept"] in ("logistic", "gradient_boosting") and report["true_risk"] is None
