"""`caretrust outcomes refresh`: score risk, write scores back to the record, publish indicators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

outcomes_app = typer.Typer(
    help="Outcome indicators and risk scores in the web app.", no_args_is_help=True
)


@outcomes_app.command("refresh")
def refresh(
    data: Path = typer.Option(..., help="Directory of contract Parquet tables (an export)."),  # noqa: B008
    as_of: str = typer.Option("", help="Score date (YYYY-MM-DD); default: the last admission."),
) -> None:
    """Run the risk model and frailty, load scores into the record and publish the indicators."""
    from rich.console import Console

    from caretrust.config.bootstrap import setup_django

    setup_django()
    from django.conf import settings

    from caretrust.optout.selectors import StaleCohort, require_current_extract
    from caretrust.outcomes.published import (
        compute_published,
        write_published,
        write_risk_model,
    )
    from caretrust.outcomes.services import load_scores
    from caretrust.population import connect
    from caretrust.population.commands import _last_event_date, _write_frailty
    from caretrust.population.frailty import frailty_scores
    from caretrust.population.risk import stratify, write_report, write_scores

    console = Console()
    try:  # a secondary use: the extract's opt-out check must still be current (ADR 87)
        require_current_extract(data, "risk scores or indicators")
    except StaleCohort as exc:
        typer.echo(f"REFUSED: {exc}", err=True)
        raise typer.Exit(2) from None
    if not (data / "people.parquet").exists() and not (data / "people").is_dir():
        raise typer.BadParameter(
            f"{data} has no people table (see docs/data-contract.md)", param_hint="--data"
        )
    ds = connect(data, "duckdb")
    score_date = dt.date.fromisoformat(as_of) if as_of else _last_event_date(ds)
    with console.status("frailty and risk scores"):
        _write_frailty(ds.execute(frailty_scores(ds, score_date)), data / "frailty.parquet")
        truth = data / "truth" / "person_risk.parquet"  # generated data only: the ceiling
        result = stratify(ds, score_date, truth=truth if truth.exists() else None)
        write_scores(result.scores, data / "risk_scores.parquet")
        write_report(result.report(), data / "risk_model.json")
    loaded = load_scores(data_dir=data)
    console.print(
        f"risk scores {score_date}: {loaded.loaded:,} loaded into the record "
        f"({loaded.unknown_people:,} not in the people index); {result.model_name}: test AUC "
        f"{result.metrics.auc:.3f} (age only {result.age_only.auc:.3f}), calibration slope "
        f"{result.metrics.slope:.2f}"
    )
    with console.status("indicators"):
        path = write_published(
            compute_published(data), settings.CARETRUST_ANALYTICS_DIR / "published"
        )
    model_path = write_risk_model(result.report(), settings.CARETRUST_ANALYTICS_DIR / "published")
    console.print(f"published indicators: {path}; risk model figures: {model_path}")


def register(app: typer.Typer) -> None:
    app.add_typer(outcomes_app, name="outcomes")
