"""`caretrust indicators` and `caretrust stratify` (registered in caretrust.cli by the lead).

Heavy imports live inside the functions so `caretrust --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer


def indicators(
    data: Path = typer.Option(..., help="Directory of contract Parquet tables."),  # noqa: B008
    out: Path = typer.Option(..., help="HTML report to write."),  # noqa: B008
    backend: str = typer.Option("duckdb", help="duckdb or spark."),
    level: str = typer.Option("area", help="area, locality or gp_practice."),
    grain: str = typer.Option("month", help="month or year (financial year)."),
    start: str = typer.Option("", help="First date (YYYY-MM-DD); default: 3 years before end."),
    end: str = typer.Option("", help="Last date (YYYY-MM-DD); default: last admission date."),
) -> None:
    """Compute every outcome indicator and write a self-contained HTML report."""
    from rich.progress import Progress

    from caretrust.population import connect
    from caretrust.population.indicators import INDICATORS, Scope, compute_indicator
    from caretrust.population.report import render

    ds = connect(data, backend)
    last = dt.date.fromisoformat(end) if end else _last_event_date(ds)
    first = dt.date.fromisoformat(start) if start else last.replace(year=last.year - 3)
    scope = Scope(start=first, end=last, level=level, grain=grain)
    frames = []
    with Progress(transient=True) as progress:
        task = progress.add_task("indicators", total=len(INDICATORS))
        for ind in INDICATORS:
            progress.update(task, description=ind.id)
            frames.append(compute_indicator(ds, ind, scope))
            progress.advance(task)
    import pandas as pd

    out.write_text(render(pd.concat(frames, ignore_index=True)), encoding="utf-8")
    typer.echo(f"wrote {out} ({len(INDICATORS)} indicators, {first} to {last}, by {level})")


def stratify(
    data: Path = typer.Option(..., help="Directory of contract Parquet tables."),  # noqa: B008
    out: Path = typer.Option(None, help="Output directory (default: the data directory)."),  # noqa: B008
    backend: str = typer.Option("duckdb", help="duckdb or spark."),
    as_of: str = typer.Option("", help="Score date (YYYY-MM-DD); default: last admission date."),
) -> None:
    """Write frailty.parquet and risk_scores.parquet and print the model's test metrics."""
    from rich.console import Console
    from rich.table import Table

    from caretrust.population import connect
    from caretrust.population.frailty import frailty_scores
    from caretrust.population.risk import stratify as run_stratify
    from caretrust.population.risk import write_scores

    console = Console()
    ds = connect(data, backend)
    score_date = dt.date.fromisoformat(as_of) if as_of else _last_event_date(ds)
    target = out or data
    target.mkdir(parents=True, exist_ok=True)
    with console.status("frailty (eFI)"):
        frail = ds.execute(frailty_scores(ds, score_date))
        _write_frailty(frail, target / "frailty.parquet")
    with console.status("risk model: features, fit, test, score"):
        result = run_stratify(ds, score_date)
        write_scores(result.scores, target / "risk_scores.parquet")
    m = result.metrics
    console.print(
        f"frailty: {len(frail):,} people 65+; "
        + ", ".join(f"{k} {v:,}" for k, v in frail.category.value_counts().items())
    )
    console.print(
        f"risk: trained as at {result.train_as_of}, tested as at {result.test_as_of} "
        f"(n={m.n:,}, prevalence {m.prevalence:.1%}); AUC {m.auc:.3f}"
    )
    table = Table("top", "people", "PPV", "sensitivity")
    for top in m.top:
        table.add_row(
            f"{top.fraction:.1%}", f"{top.people:,}", f"{top.ppv:.1%}", f"{top.sensitivity:.1%}"
        )
    console.print(table)
    console.print(f"wrote {target / 'frailty.parquet'} and {target / 'risk_scores.parquet'}")


def evaluate(
    data: Path = typer.Option(..., help="Directory of contract Parquet tables."),  # noqa: B008
    out: Path = typer.Option(..., help="Output stem: writes OUT.json and OUT.html."),  # noqa: B008
    design: str = typer.Option(
        "matched_did", help="matched_did, area_did, synthetic_control or staggered."
    ),
    start: str = typer.Option(..., help="Integration start (YYYY-MM-DD)."),
    outcome: str = typer.Option(
        "emergency_admissions", help="emergency_admissions or ae_attendances."
    ),
    treated_area: str = typer.Option("torbay", help="The area that integrated."),
    localities: str = typer.Option("", help="Comma-separated treated localities (default: all)."),
    locality_start: list[str] = typer.Option(  # noqa: B008
        [], help="Staggered start LOCALITY=YYYY-MM-DD (repeat)."
    ),
    comparison: str = typer.Option("", help="Comma-separated comparison areas (default: all)."),
    pre_years: int = typer.Option(3, help="Years before the start in the analysis."),
    seed: int = typer.Option(0, help="Seed for bootstraps: same inputs and seed, same result."),
    backend: str = typer.Option("duckdb", help="duckdb or spark."),
) -> None:
    """Did integration work? Estimate the effect with its diagnostics; write JSON and HTML."""
    import json

    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    from caretrust.population import connect
    from caretrust.population.evaluation import EvaluationSpec
    from caretrust.population.evaluation import evaluate as run_evaluation
    from caretrust.population.evaluation.report import render

    def names(value: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in value.split(",") if v.strip())

    try:
        staggered = tuple(
            (item.split("=")[0].strip(), dt.date.fromisoformat(item.split("=")[1].strip()))
            for item in locality_start
        )
        spec = EvaluationSpec(
            design=design,
            start=dt.date.fromisoformat(start),
            outcome=outcome,
            treated_area=treated_area,
            treated_localities=names(localities),
            locality_starts=staggered,
            comparison_areas=names(comparison),
            pre_years=pre_years,
            seed=seed,
        )
    except (ValueError, IndexError) as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(code=2) from None
    ds = connect(data, backend)
    with Progress(
        SpinnerColumn(), "[progress.description]{task.description}", TimeElapsedColumn(),
        transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("evaluating", total=None)
        result = run_evaluation(
            ds, spec, progress=lambda message: progress.update(task, description=message)
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out.with_suffix(".json"), out.with_suffix(".html")
    json_path.write_text(json.dumps(result.as_dict(), indent=1, sort_keys=True) + "\n")
    html_path.write_text(render(result), encoding="utf-8")
    typer.echo(result.headline)
    typer.echo(f"wrote {json_path} and {html_path}")
    if result.status != "estimate":
        raise typer.Exit(code=1)


def _last_event_date(ds) -> dt.date:
    enc = ds.table("encounters")
    value = ds.execute(enc.start_date.max())
    return value.date() if hasattr(value, "date") else value


def _write_frailty(frame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from caretrust.contract import RESULT_SCHEMAS

    schema = RESULT_SCHEMAS["frailty"]
    frame = frame.assign(as_of=frame.as_of.map(lambda v: v.date() if hasattr(v, "date") else v))
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), path)


def register(app: typer.Typer) -> None:
    app.command("indicators")(indicators)
    app.command("stratify")(stratify)
    app.command("evaluate")(evaluate)
