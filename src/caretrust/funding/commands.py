"""`caretrust charge`: the financial assessment as a command (contract: docs/charging-contract.md).

Registered in `caretrust.cli` by the lead. Heavy imports stay inside the command body so that
`caretrust --help` stays fast.
"""

from __future__ import annotations

import typer

BAD_INPUT_EXIT_CODE = 2


def charge(file: str = typer.Argument(..., help="JSON file or - for stdin")) -> None:
    """Work out who pays for each service in a plan and the person's weekly charge, as JSON."""
    import json
    import sys

    from caretrust.funding.charging import ChargingError, assess, assessment_to_json, parse_request

    try:
        text = sys.stdin.read() if file == "-" else _read(file)
        data = json.loads(text)
    except OSError as exc:
        _fail(f"file: cannot read {file}: {exc.strerror or exc}")
    except json.JSONDecodeError as exc:
        _fail(f"file: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    try:
        result = assess(parse_request(data))
    except ChargingError as exc:
        _fail(str(exc))
    typer.echo(json.dumps(assessment_to_json(result), indent=2, ensure_ascii=False))


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _fail(message: str) -> None:
    """One clear message on standard error, nothing on standard output, exit code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(BAD_INPUT_EXIT_CODE)


funding_app = typer.Typer(help="Pooled budgets.", no_args_is_help=True)


@funding_app.command("define-pool")
def define_pool(
    file: str = typer.Argument(..., help="TOML file: the pool's partners and lines."),
) -> None:
    """Create or update a pooled budget (Section 75 / Better Care Fund) from a file."""
    from pathlib import Path

    from caretrust.config.bootstrap import setup_django

    setup_django()
    from django.core.exceptions import ValidationError

    from caretrust.funding.pool_setup import define_pool as define

    try:
        pool = define(Path(file))
    except ValidationError as error:
        _fail(" ".join(error.messages))
    typer.echo(
        f"Pooled budget {pool}: {pool.contributions.count()} partners, {pool.lines.count()} service lines."
    )


def register(app: typer.Typer) -> None:
    app.command("charge")(charge)
    app.add_typer(funding_app, name="funding")
