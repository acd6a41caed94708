"""`caretrust evaluate`: JSON with parameters, data hash and code version, and an HTML report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from caretrust.cli import app
from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    path = tmp_path_factory.mktemp("evaluate_command") / "place"
    config = SyntheticConfig(
        people=4_000, comparison_people=4_000, years=7, seed=44, prescriptions=False,
        integration=IntegrationEffects(start=dt.date(2019, 4, 1)),
    )  # fmt: skip
    write(config, path, formats=("parquet",))
    return path


def test_evaluate_writes_json_and_html(place, tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app,
        ["evaluate", "--data", str(place), "--out", str(out), "--start", "2019-04-01",
         "--comparison", "comparison_1", "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Emergency admissions of frail people aged 65+ were" in result.output
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["status"] == "estimate"
    assert saved["spec"]["design"] == "matched_did" and saved["spec"]["seed"] == 3
    assert saved["spec"]["start"] == "2019-04-01"
    assert len(saved["data"]["snapshot_sha256"]) == 64
    assert saved["data"]["code_version"].startswith("caretrust ")
    assert saved["cluster"] == "person_id"
    assert {d["name"] for d in saved["diagnostics"]} >= {"pre_trend", "placebo_date", "e_value"}
    page = out.with_suffix(".html").read_text()
    assert page.count("<svg") == 2  # observed vs expected, and the event study
    assert "Balance before and after matching" in page and "Diagnostics" in page
    assert "95% CI" in page and "Caveats" in page and "assumption" in page


def test_evaluate_refusal_exits_non_zero_with_the_reason(place, tmp_path):
    out = tmp_path / "refused"
    result = CliRunner().invoke(
        app,
        ["evaluate", "--data", str(place), "--out", str(out), "--start", "2019-04-01",
         "--design", "synthetic_control"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "at least 10 donor areas" in result.output
    assert json.loads(out.with_suffix(".json").read_text())["status"] == "refused"
    assert "No estimate" in out.with_suffix(".html").read_text()


@pytest.mark.parametrize(
    ("outcome", "unit", "opening"),
    [
        ("emergency_length_of_stay", "days per stay", "Emergency length of stay of frail people"),
        ("care_home_admissions", "per 1,000 people a year", "Care home admissions of frail people"),
    ],
)
def test_evaluate_each_planted_outcome_in_its_unit(place, tmp_path, outcome, unit, opening):
    out = tmp_path / outcome
    result = CliRunner().invoke(
        app,
        ["evaluate", "--data", str(place), "--out", str(out), "--start", "2019-04-01",
         "--comparison", "comparison_1", "--outcome", outcome],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert opening in result.output
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["spec"]["outcome"] == outcome
    assert saved["effect"]["unit"] == saved["data"]["outcome_unit"] == unit
    assert f"Difference ({unit})" in out.with_suffix(".html").read_text()
