"""`caretrust generate`: write a synthetic population (registered by caretrust/cli.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer


def generate(
    people: Annotated[int, typer.Option(help="People in the integrated area.")] = 140_000,
    years: Annotated[int, typer.Option(help="Years simulated.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 7,
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("var/synthetic"),
    comparison_people: Annotated[
        int | None, typer.Option(help="People in each comparison area (default: --people).")
    ] = None,
    comparison_areas: Annotated[int, typer.Option(help="Number of comparison areas.")] = 1,
    integrated_area: Annotated[str, typer.Option(help="Area that integrates.")] = "torbay",
    start: Annotated[str, typer.Option(help="First simulated day, YYYY-MM-DD.")] = "2015-04-01",
    integration_start: Annotated[
        str | None, typer.Option(help="First day of integration (default: 40% through).")
    ] = None,
    admissions_effect: Annotated[
        float, typer.Option(help="Relative change in emergency admissions, frail 65+.")
    ] = -0.15,
    care_home_shift: Annotated[
        float, typer.Option(help="Share of care home admissions diverted to home care.")
    ] = 0.20,
    length_of_stay_effect: Annotated[
        float, typer.Option(help="Relative change in emergency length of stay, 65+.")
    ] = -0.15,
    null: Annotated[
        bool, typer.Option(help="Null scenario: integration starts but every effect is zero.")
    ] = False,
    locality_start: Annotated[
        list[str] | None,
        typer.Option(help="Staggered start LOCALITY=YYYY-MM-DD (repeat per locality)."),
    ] = None,
    donor_areas: Annotated[
        int, typer.Option(help="Donor areas (own level and trend) for synthetic control.")
    ] = 0,
    donor_people: Annotated[
        int | None, typer.Option(help="People in each donor area (default: comparison size).")
    ] = None,
    person_risk_variance: Annotated[
        float, typer.Option(help="Variance of each person's latent risk (gamma, mean 1).")
    ] = 1.0,
    trend_change: Annotated[
        str,
        typer.Option(help="Unannounced trend change YEARS:CHANGE, e.g. 5:0.03 (from year 5)."),
    ] = "",
    initial_stock: Annotated[
        bool,
        typer.Option(help="Start with people already in care homes and on home care."),
    ] = False,
    missing_nhs_number: Annotated[
        float, typer.Option(help="Share of council records without an NHS number.")
    ] = 0.10,
    prescriptions: Annotated[bool, typer.Option(help="Generate prescriptions.")] = True,
    formats: Annotated[
        str, typer.Option(help="Comma-separated outputs: parquet,fhir,cld.")
    ] = "parquet,fhir,cld",
    bundle: Annotated[
        list[str] | None, typer.Option(help="Also write a FHIR Bundle for this person id.")
    ] = None,
    localities: Annotated[
        str, typer.Option(help="Comma-separated localities of the integrated area.")
    ] = "",
    practices: Annotated[
        str,
        typer.Option(
            help="Comma-separated GP practice codes of the integrated area (i serves locality i mod n)."
        ),
    ] = "",
) -> None:
    """Generate a synthetic population and write Parquet, FHIR NDJSON, CLD CSV and truth."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from caretrust.synthetic import (
        ConfigError,
        IntegrationEffects,
        NoiseConfig,
        SyntheticConfig,
        TrendChange,
    )
    from caretrust.synthetic.output import check_formats, write

    try:
        first_day = _date("integration start", integration_start) if integration_start else None
        staggered = tuple(_locality_start(item) for item in locality_start or ())
        effects = (
            IntegrationEffects.null(first_day)
            if null
            else IntegrationEffects(
                start=first_day,
                emergency_admissions_frail_65_plus=admissions_effect,
                residential_to_home_care_shift=care_home_shift,
                length_of_stay=length_of_stay_effect,
            )
        )
        effects = dataclasses.replace(effects, locality_starts=staggered)
        config = SyntheticConfig(
            people=people,
            comparison_people=comparison_people,
            comparison_areas=comparison_areas,
            integrated_area=integrated_area,
            years=years,
            seed=seed,
            start=_date("start", start),
            integration=effects,
            donor_areas=donor_areas,
            donor_people=donor_people,
            person_risk_variance=person_risk_variance,
            trend_change=_trend(trend_change, TrendChange) if trend_change else None,
            initial_stock=initial_stock,
            noise=NoiseConfig(missing_nhs_number=missing_nhs_number),
            prescriptions=prescriptions,
            integrated_localities=_names(localities),
            integrated_practices=_names(practices),
        ).validate()
        chosen = check_formats(f.strip() for f in formats.split(",") if f.strip())
        if out.exists() and any(out.iterdir()):
            raise ConfigError(f"output directory {out} is not empty")
    except ConfigError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(code=2) from None

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("people", total=config.total_people)
        try:
            stats = write(
                config,
                out,
                chosen,
                bundles=bundle or (),
                on_chunk=lambda n: progress.advance(task, n),
            )
        except ConfigError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(code=2) from None
    typer.echo(f"Wrote {stats.people:,} people to {out}")


def _names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _locality_start(value: str) -> tuple[str, dt.date]:
    from caretrust.synthetic import ConfigError

    name, _, day = value.partition("=")
    if not day:
        raise ConfigError(f"locality start must be LOCALITY=YYYY-MM-DD, got {value!r}")
    return name.strip(), _date(f"start of {name.strip()}", day.strip())


def _trend(value: str, trend_change):
    from caretrust.synthetic import ConfigError

    try:
        years, change = value.split(":")
        return trend_change(from_year=int(years), annual_change=float(change))
    except ValueError:
        raise ConfigError(
            f"trend change must be YEARS:CHANGE, e.g. 5:0.03, got {value!r}"
        ) from None


def _date(name: str, value: str) -> dt.date:
    from caretrust.synthetic import ConfigError

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
