"""The `caretrust charge` contract (docs/charging-contract.md): JSON in, JSON out, exit code 2 with
one message naming the field on bad input and nothing on standard output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from caretrust.funding.commands import charge

GOOD: dict[str, Any] = {
    "nation": "england",
    "date": "2025-06-01",
    "setting": "community",
    "person": {"age": 80, "couple": False, "premiums": []},
    "capital": [{"kind": "savings", "value": "15000"}, {"kind": "main_home", "value": "250000"}],
    "income": [
        {"kind": "state_pension", "weekly": "230.25"},
        {"kind": "attendance_allowance_higher", "weekly": "110.40"},
    ],
    "night_care_provided": False,
    "housing_costs_weekly": "20.00",
    "dre_weekly": None,
    "services": [
        {"id": "hc", "description": "home care", "weekly_cost": "300.00", "funding": "council"},
        {"id": "chc", "description": "nursing", "weekly_cost": "100.00", "funding": "nhs_chc"},
    ],
}


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command()(charge)
    return app


def invoke(app: typer.Typer, document: Any, tmp_path: Path):
    path = tmp_path / "in.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return CliRunner().invoke(app, [str(path)])


def test_prints_the_contract_fields(app, tmp_path):
    """30.39 as in test_community: 304.15 + 3 - 232.60 - 20 - 24.16 (all on the single line)."""
    result = invoke(app, GOOD, tmp_path)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert {
        "person_weekly", "council_weekly", "nhs_weekly", "full_cost_payer", "lines",
        "explanation", "rule_set", "unconfirmed_figures",
    } <= set(out)  # fmt: skip
    assert (out["person_weekly"], out["council_weekly"], out["nhs_weekly"]) == (
        "30.39",
        "269.61",
        "100.00",
    )
    assert out["lines"][0] == {
        "id": "hc",
        "basis": "weekly",
        "cost": "300.00",
        "person": "30.39",
        "council": "269.61",
        "nhs": "0.00",
        "reason": "council-funded care: charged by the means test",
    }
    assert out["rule_set"]["nation"] == "england"
    assert out["rule_set"]["effective_from"] == "2025-04-01"
    assert any(step["rule"] == "SI 2014/2672 reg 25" for step in out["explanation"])
    assert "aa_lower_rate" in {f["figure"] for f in out["unconfirmed_figures"]}


def test_reads_standard_input(app):
    result = CliRunner().invoke(app, ["-"], input=json.dumps(GOOD))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["person_weekly"] == "30.39"


def _with(path: str, value: Any) -> dict[str, Any]:
    """GOOD with the value at a dotted path replaced (a missing sentinel deletes it)."""
    document = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    target: Any = document
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    key: Any = int(last) if last.isdigit() else last
    if value is MISSING:
        del target[key]
    else:
        target[key] = value
    return document


MISSING = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("capital.0.value", "-1.00", "capital[0].value"),  # negative money
        ("income.0.weekly", "-0.01", "income[0].weekly"),
        ("services.0.weekly_cost", "-5", "services[0].weekly_cost"),
        ("housing_costs_weekly", 20.5, "housing_costs_weekly"),  # float money refused
        ("income.0.kind", "lottery_win", "income[0].kind"),  # unknown kind
        ("capital.0.kind", "bitcoin", "capital[0].kind"),
        ("services.0.funding", "charity", "services[0].funding"),
        ("person.premiums", ["severe"], "person.premiums[0]"),
        ("nation", "france", "nation"),  # unknown nation
        ("nation", "scotland", "nation"),  # known nation, no rule sets loaded
        ("date", "2019-06-01", "date"),  # no rule set in force
        ("date", "01/06/2025", "date"),
        ("date", MISSING, "date"),  # missing required field
        ("person", MISSING, "person"),
        ("person.age", MISSING, "person.age"),
        ("services", MISSING, "services"),
        ("services.0.id", MISSING, "services[0].id"),
        ("setting", "hospital", "setting"),
        ("colour", "blue", "colour"),  # unknown field
        ("night_care_provided", "no", "night_care_provided"),
    ],
)
def test_bad_input_exits_2_naming_the_field(app, tmp_path, path, value, field):
    result = invoke(app, _with(path, value), tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {field}: ")
    assert result.stderr.count("\n") == 1  # one message


def test_unknown_figure_exits_2_naming_it(app, tmp_path):
    result = invoke(app, {**GOOD, "date": "2026-06-01"}, tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "upper_capital_limit_community" in result.stderr


@pytest.mark.parametrize("text", ["{not json", "[]"])
def test_malformed_documents_exit_2(app, tmp_path, text):
    result = invoke(app, text, tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(("error: file: ", "error: input: "))


def test_missing_file_exits_2(app, tmp_path):
    result = CliRunner().invoke(app, [str(tmp_path / "absent.json")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: file: ")


SCRIPT = "import typer; from caretrust.funding.commands import charge; typer.run(charge)"


def test_subprocess_reads_stdin_and_writes_json():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "-"],
        input=json.dumps(GOOD),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["person_weekly"] == "30.39"


def test_subprocess_bad_input_exit_code_and_silent_stdout():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "-"],
        input=json.dumps({**GOOD, "nation": "atlantis"}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: nation: ")


def test_command_module_does_not_import_the_engine_at_import_time():
    """Heavy imports stay inside the command so `caretrust --help` stays fast."""
    code = (
        "import sys, caretrust.funding.commands; "
        "print('caretrust.funding.charging' in sys.modules, 'django' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_engine_does_not_import_django():
    code = "import sys, caretrust.funding.charging, caretrust.funding.pooled; print('django' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_documented_example_matches_the_engine(app, tmp_path):
    """docs/charging-contract.md: the example input gives the documented £30.39 and line split."""
    doc = (Path(__file__).parents[2] / "docs" / "charging-contract.md").read_text(encoding="utf-8")
    blocks = doc.split("```json\n")
    example_in, example_out = (json.loads(block.split("```")[0]) for block in blocks[1:3])
    result = invoke(app, example_in, tmp_path)
    out = json.loads(result.stdout)
    for key in ("person_weekly", "council_weekly", "nhs_weekly", "full_cost_payer", "rule_set"):
        assert out[key] == example_out[key], key
    documented_lines = {line["id"]: line for line in example_out["lines"]}
    assert all(
        line == documented_lines[line["id"]]
        for line in out["lines"]
        if line["id"] in documented_lines
    )
