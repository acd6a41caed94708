"""`caretrust project` and `caretrust simulate-hub` end to end on a small generated place."""

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from caretrust.population import commands
from caretrust.population.projection.scenario import SETTING_IDS
from tests.population.projection_place import small_place

EXAMPLE = "src/caretrust/population/data/scenarios/integrated_care.toml"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return small_place(tmp_path_factory.mktemp("cli_place"))


def app() -> typer.Typer:
    cli = typer.Typer()
    commands.register(cli)
    return cli


@pytest.mark.slow
def test_project_writes_csv_json_and_a_self_contained_report(data_dir, tmp_path):
    out = tmp_path / "plan"
    args = ["project", "--scenario", EXAMPLE, "--data", str(data_dir), "--out", str(out)]
    result = CliRunner().invoke(app(), [*args, "--runs", "20", "--years", "5", "--seed", "3"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "projection.csv")
    assert list(frame.columns[:9]) == [
        "setting",
        "year",
        "principal",
        "p10",
        "p50",
        "p90",
        "cost_nhs",
        "cost_council",
        "cost_person",
    ]
    assert set(frame.setting) == set(SETTING_IDS) and frame.year.nunique() == 6
    assert (frame.p10 <= frame.p50).all() and (frame.p50 <= frame.p90).all()
    page = (out / "projection.html").read_text()
    assert page.count("<svg") == len(SETTING_IDS) + 3  # and one per payer
    assert "<script" not in page and 'src="http' not in page
    assert "Glendinning" in page and "2022/23" in page  # unit-cost sources and price years shown
    assert (out / "projection.json").exists() and (out / "costs_by_payer.csv").exists()
    cells = pd.read_csv(out / "baseline_cells.csv")
    assert {"area", "sex", "age_band", "frailty", "population", "gp_contacts"} <= set(cells.columns)
    baseline = frame[frame.year == frame.year.min()].set_index("setting").principal
    assert cells.gp_contacts.sum() == baseline["gp_contacts"]
    again = tmp_path / "again"
    CliRunner().invoke(
        app(),
        [*args[:-1], str(again), "--runs", "20", "--years", "5", "--seed", "3"],
    )
    assert (again / "projection.csv").read_text() == (out / "projection.csv").read_text()


def test_project_refuses_a_bad_scenario_naming_file_and_line(data_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[levers.length_of_stay]\ninterval = [0.9, 0.8]\nsource = "x"\n')
    result = CliRunner().invoke(
        app(), ["project", "--scenario", str(bad), "--data", str(data_dir), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output.replace("\n", "") and "wrong way round" in result.output


def test_simulate_hub_writes_waits_breaches_and_utilisation(tmp_path):
    args = ["simulate-hub", "--out", str(tmp_path), "--replications", "3", "--days", "5"]
    result = CliRunner().invoke(app(), [*args, "--warm-up-days", "1"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "hub_summary.csv", index_col="measure")
    assert {"breach:urgent", "utilisation:coordinators", "wait:community_nursing"} <= set(
        summary.index
    )
    assert (summary.ci_low <= summary["mean"]).all() and (summary["mean"] <= summary.ci_high).all()
