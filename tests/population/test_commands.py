import datetime as dt
import json

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from caretrust.population import commands
from caretrust.population.charts import xmr_chart
from caretrust.population.spc import xmr
from tests.population.test_parity import mixed_world


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return mixed_world().write(tmp_path_factory.mktemp("cli"))


def app() -> typer.Typer:
    cli = typer.Typer()
    cli.command()(commands.indicators)
    cli.command()(commands.stratify)
    return cli


@pytest.mark.slow
def test_indicators_report_is_self_contained_html(data_dir, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app(), ["indicators", "--data", str(data_dir), "--out", str(out), "--grain", "year"]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<svg") >= 2
    assert "European Standard Population 2013" in page  # definitions and sources included
    assert "<script" not in page and 'src="http' not in page


def test_stratify_writes_contract_files(data_dir, tmp_path):
    result = CliRunner().invoke(
        app(),
        ["stratify", "--data", str(data_dir), "--out", str(tmp_path), "--as-of", "2024-03-31"],
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # rich wraps long lines
    assert "AUC" in output and "age-only baseline" in output
    assert "calibration slope" in output and "calibration by decile" in output
    assert " kept: validation AUC " in output  # which model was kept, and why
    report = json.loads((tmp_path / "risk_model.json").read_text())
    assert report["kept"] in ("logistic", "gradient_boosting")
    assert set(report) >= {"test", "age_only", "true_risk", "validation_auc", "reason"}
    assert report["true_risk"] is None  # not generated data: no truth, no ceiling
    scores = pq.read_table(tmp_path / "risk_scores.parquet").to_pandas()
    assert scores.score_date.iloc[0] == dt.date(2024, 3, 31)
    frailty = pq.read_table(tmp_path / "frailty.parquet")
    assert frailty.schema.names == [
        "person_id",
        "as_of",
        "deficits",
        "denominator",
        "efi",
        "category",
        "polypharmacy_basis",
    ]


def test_chart_renders_png_and_svg():
    result = xmr([12.0, 10.0] * 6 + [20.0], improvement="higher", target=30)
    assert xmr_chart(result, fmt="png")[:4] == b"\x89PNG"
    assert b"<svg" in xmr_chart(result, fmt="svg")
