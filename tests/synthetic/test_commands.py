"""The `generate` command, registered on a throwaway Typer app as the lead will register it."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from caretrust.synthetic.commands import generate


@pytest.fixture
def app():
    app = typer.Typer()
    app.command()(generate)
    app.command("noop")(lambda: None)  # two commands, so `generate` is a subcommand
    return app


def test_generate_writes_every_output(app, tmp_path):
    out = tmp_path / "data"
    result = CliRunner().invoke(app, ["generate", "--people", "600", "--years", "2",
                                      "--comparison-people", "400", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("people", "conditions", "prescriptions", "encounters", "social_care_events"):
        assert (out / f"{name}.parquet").exists()
    assert (out / "fhir" / "Patient.ndjson").exists()
    assert (out / "truth" / "records.parquet").exists()
    assert (out / "truth" / "effects.json").exists()
    assert list((out / "cld").glob("*.csv"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--people", "-5"], "people must be at least 1"),
        (["--years", "0"], "years must be"),
        (["--integrated-area", "atlantis"], "unknown area 'atlantis'"),
        (["--start", "2020-04-01", "--integration-start", "2019-04-01"], "integration start"),
        (["--start", "2020-13-01"], "start must be a date"),
        (["--formats", "parquet,xml"], "unknown format 'xml'"),
        (["--care-home-shift", "1.5"], "shift must be between 0 and 1"),
    ],
)
def test_bad_parameters_give_one_line_and_write_nothing(app, tmp_path, arguments, message):
    out = tmp_path / "data"
    result = CliRunner().invoke(app, ["generate", "--out", str(out), *arguments])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert not out.exists()


def test_refuses_a_non_empty_output_directory(app, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, ["generate", "--people", "10", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.output
