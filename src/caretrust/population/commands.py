"""`caretrust indicators`, `stratify`, `project` and `simulate-hub` (registered in caretrust.cli).

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
    truth: Path = typer.Option(  # noqa: B008
        None,
        help="Generator truth (truth/person_risk.parquet) for the true-risk AUC; "
        "default: DATA/truth/person_risk.parquet if present. Never a feature.",
    ),
) -> None:
    """Write frailty.parquet, risk_scores.parquet and risk_model.json; print the model's test
    metrics beside the age-only baseline (and the true-risk ceiling on generated data)."""
    from rich.console import Console

    from caretrust.population import connect
    from caretrust.population.frailty import frailty_scores
    from caretrust.population.risk import stratify as run_stratify
    from caretrust.population.risk import write_report, write_scores

    console = Console()
    ds = connect(data, backend)
    score_date = dt.date.fromisoformat(as_of) if as_of else _last_event_date(ds)
    target = out or data
    target.mkdir(parents=True, exist_ok=True)
    truth_path = truth or data / "truth" / "person_risk.parquet"
    with console.status("frailty (eFI)"):
        frail = ds.execute(frailty_scores(ds, score_date))
        _write_frailty(frail, target / "frailty.parquet")
    with console.status("risk model: features, fit two models, validate, test, score"):
        result = run_stratify(ds, score_date, truth=truth_path if truth_path.exists() else None)
        write_scores(result.scores, target / "risk_scores.parquet")
        write_report(result.report(), target / "risk_model.json")
    console.print(
        f"frailty: {len(frail):,} people 65+; "
        + ", ".join(f"{k} {v:,}" for k, v in frail.category.value_counts().items())
    )
    print_model_report(console, result.report())
    console.print(
        f"wrote {target / 'frailty.parquet'}, {target / 'risk_scores.parquet'} "
        f"and {target / 'risk_model.json'}"
    )


def print_model_report(console, report: dict) -> None:
    """The risk model's figures as `caretrust stratify` prints them."""
    from rich.table import Table

    m, age, true = report["test"], report["age_only"], report["true_risk"]
    console.print(f"risk model: {report['model']} ({report['reason']})")
    console.print(
        f"trained as at {report['train_as_of']}, tested as at {report['test_as_of']} "
        f"(n={m['n']:,}, prevalence {m['prevalence']:.1%}, mean predicted "
        f"{m['mean_predicted']:.1%})"
    )
    line = f"AUC {m['auc']:.3f}; age-only baseline {age['auc']:.3f}"
    if true:
        line += f"; true risk (the ceiling) {true['auc']:.3f}"
    console.print(line)
    console.print(
        f"calibration slope {m['slope']:.2f} (ideal 1), intercept {m['intercept']:+.2f} (ideal 0)"
    )
    deciles = Table("decile", "mean predicted", "observed", title="calibration by decile")
    for row in m["calibration"]:
        deciles.add_row(
            str(row["decile"]), f"{row['mean_predicted']:.1%}", f"{row['observed']:.1%}"
        )
    console.print(deciles)
    table = Table("top", "people", "PPV", "sensitivity", "age-only PPV", "age-only sens.")
    for top, base in zip(m["top"], age["top"], strict=True):
        table.add_row(
            f"{top['fraction']:.1%}",
            f"{top['people']:,}",
            f"{top['ppv']:.1%}",
            f"{top['sensitivity']:.1%}",
            f"{base['ppv']:.1%}",
            f"{base['sensitivity']:.1%}",
        )
    console.print(table)


def evaluate(
    data: Path = typer.Option(..., help="Directory of contract Parquet tables."),  # noqa: B008
    out: Path = typer.Option(..., help="Output stem: writes OUT.json and OUT.html."),  # noqa: B008
    design: str = typer.Option(
        "matched_did", help="matched_did, area_did, synthetic_control or staggered."
    ),
    start: str = typer.Option(..., help="Integration start (YYYY-MM-DD)."),
    outcome: str = typer.Option(
        "emergency_admissions",
        help="emergency_admissions, care_home_admissions, emergency_length_of_stay "
        "(bed days per stay) or ae_attendances.",
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


def project(
    scenario: Path = typer.Option(..., help="Scenario TOML file (levers as 80% intervals)."),  # noqa: B008
    data: Path = typer.Option(..., help="Directory of contract Parquet tables."),  # noqa: B008
    out: Path = typer.Option(Path("var/projection"), help="Output directory."),  # noqa: B008
    seed: int = typer.Option(1, help="Seed of every run's draws."),
    runs: int = typer.Option(256, help="Monte Carlo runs (run 0, the baseline, is extra)."),
    years: int = typer.Option(20, help="Years to project after the baseline year."),
    backend: str = typer.Option("duckdb", help="duckdb or spark."),
    baseline_year: int = typer.Option(
        0, help="Baseline financial year by its start (2023 = Apr 2023-Mar 2024); default latest."
    ),
    unit_costs: Path = typer.Option(None, help="Unit costs TOML (default: the packaged one)."),  # noqa: B008
    estimation_uncertainty: bool = typer.Option(
        False, help="Also redraw baseline rates per run (error of estimating them from one year)."
    ),
) -> None:
    """Project activity and cost per care setting under a scenario; write CSV, JSON and HTML."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from caretrust.population import connect
    from caretrust.population.projection import (
        ScenarioError,
        load_scenario,
        load_unit_costs,
        prepare_baseline,
        run_projection,
    )
    from caretrust.population.projection.report import render

    console = Console()
    try:
        plan = load_scenario(scenario)
        costs = load_unit_costs(unit_costs) if unit_costs else load_unit_costs()
    except ScenarioError as exc:
        console.print(f"[red]caretrust project: {exc}[/red]")
        raise typer.Exit(2) from exc
    if runs < 1 or years < 1:
        console.print("[red]caretrust project: --runs and --years must be at least 1[/red]")
        raise typer.Exit(2)
    ds = connect(data, backend)
    with console.status("baseline: activity, population, deaths and frailty from the record"):
        start = dt.date(baseline_year, 4, 1) if baseline_year else None
        baseline = prepare_baseline(ds, start)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("Monte Carlo runs", total=runs)
        result = run_projection(
            plan,
            baseline,
            seed=seed,
            runs=runs,
            years=years,
            unit_costs=costs,
            estimation_uncertainty=estimation_uncertainty,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    out.mkdir(parents=True, exist_ok=True)
    frame = result.to_frame()
    columns = ["setting", "year", "principal", "p10", "p50", "p90", "cost_nhs", "cost_council"]
    frame[[*columns, "cost_person", "cost_total", "baseline"]].to_csv(
        out / "projection.csv", index=False
    )
    result.payer_frame().to_csv(out / "costs_by_payer.csv", index=False)
    # the rates behind every run, so a reader can check them against the record
    baseline.frame().to_csv(out / "baseline_cells.csv", index=False)
    result.steps_frame().to_csv(out / "step_counts.csv", index=False)
    (out / "projection.json").write_text(result.to_json(), encoding="utf-8")
    (out / "projection.html").write_text(render(result, plan), encoding="utf-8")
    last = frame[frame.year == result.years[-1]]
    console.print(
        f"baseline {result.baseline_year}: {int(baseline.population.sum()):,} people; "
        f"{runs} runs to {result.years[-1]}; cost in {result.years[-1]} (principal, "
        f"{result.price_year} prices): £{last.cost_total.sum():,.0f}"
    )
    for note in result.notes:
        console.print(f"note: {note}")
    console.print(
        f"wrote {out}/projection.csv, .json, .html, costs_by_payer.csv, step_counts.csv, "
        "baseline_cells.csv"
    )


def simulate_hub(
    out: Path = typer.Option(Path("var/hub"), help="Output directory."),  # noqa: B008
    referrals: Path = typer.Option(  # noqa: B008
        None,
        help="Referrals CSV to calibrate from (received_at, source, urgency, triaged_at, "
        "routed_at, team); default: an illustrative hub.",
    ),
    team: list[str] = typer.Option(  # noqa: B008
        [], help="NAME=CAPACITY:MEAN_HOURS for each routed team (with --referrals)."
    ),
    coordinators: int = typer.Option(2, help="Co-ordinators on duty."),
    replications: int = typer.Option(10, help="Independent replications."),
    seed: int = typer.Option(1, help="Seed; replication k uses seed set (seed, k)."),
    days: int = typer.Option(28, help="Days simulated per replication (after the warm-up)."),
    warm_up_days: int = typer.Option(7, help="Warm-up days, not counted."),
) -> None:
    """Simulate the co-ordinator hub and locality teams: waits, breaches and utilisation."""
    import pandas as pd
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from caretrust.population.simulation import Team, calibrate, example_hub, simulate

    console = Console()
    length, warm = 24.0 * (days + warm_up_days), 24.0 * warm_up_days
    if referrals is None:
        config = example_hub(run_length=length, warm_up=warm)
    else:
        cal = calibrate(pd.read_csv(referrals))
        teams = []
        for spec in team:
            try:
                name, rest = spec.split("=", 1)
                capacity, mean = rest.split(":", 1)
                teams.append(Team(name, float(mean), capacity=int(capacity)))
            except ValueError as exc:
                console.print(f"[red]caretrust simulate-hub: bad --team {spec!r}[/red]")
                raise typer.Exit(2) from exc
        needed = {t for shares in cal.routing.values() for t in shares} - {
            "resolved_by_coordinator"
        }
        missing = needed - {t.name for t in teams}
        if missing:
            console.print(
                f"[red]caretrust simulate-hub: give --team for {', '.join(sorted(missing))}[/red]"
            )
            raise typer.Exit(2)
        config = cal.config(
            tuple(teams),
            coordinators=coordinators,
            standards={"urgent": 2.0, "reablement": 48.0},
            run_length=length,
            warm_up=warm,
        )
    with Progress(transient=True, console=console) as progress:
        task = progress.add_task("replications", total=replications)
        result = simulate(
            config,
            replications=replications,
            seed=seed,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    summary.to_csv(out / "hub_summary.csv", index_label="measure")
    result.replications.to_csv(out / "hub_replications.csv", index_label="replication")
    table = Table("measure", "mean", "95% CI")
    for measure, row in summary.iterrows():
        if measure.startswith(("arrivals:",)):
            continue
        table.add_row(str(measure), f"{row['mean']:.3f}", f"{row.ci_low:.3f} to {row.ci_high:.3f}")
    console.print(table)
    console.print(f"wrote {out}/hub_summary.csv and hub_replications.csv")


def register(app: typer.Typer) -> None:
    app.command("indicators")(indicators)
    app.command("stratify")(stratify)
    app.command("project")(project)
    app.command("simulate-hub")(simulate_hub)
    app.command("evaluate")(evaluate)
