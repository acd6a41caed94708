"""`caretrust import fhir|cld PATH...`: load health and social care records into the shared record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(
    help="Import health (FHIR R4) and social care (CLD CSV) records, and National Data Opt-out "
    "check results.",
    no_args_is_help=True,
)

SkipInvalid = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Import the valid records; write rejects to a file."),
]
Rejects = Annotated[Path, typer.Option(help="Where --skip-invalid writes rejected records.")]
Link = Annotated[
    bool, typer.Option("--link/--no-link", help="Run probabilistic linkage for new people.")
]

FHIR_SUFFIXES = (".json", ".ndjson", ".jsonl", ".xml", ".gz")


def _expand(paths: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.name.endswith(suffixes)
            )
        elif path.exists():
            files.append(path)
        else:
            raise typer.BadParameter(f"{path} does not exist")
    return files


def _progress():
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


def _print_summary(summary, rejects_path: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Import summary")
    for column in ("file", "read", "inserted", "updated", "unchanged", "rejected", "result"):
        table.add_column(column, justify="left" if column in ("file", "result") else "right")
    for f in summary.files:
        result = "imported" if f.committed else "REFUSED: nothing changed"
        table.add_row(
            Path(f.file).name,
            *(str(getattr(f, n)) for n in ("read", "inserted", "updated", "unchanged", "rejected")),
            result,
        )
    table.add_row(
        "total",
        *(str(summary.total(n)) for n in ("read", "inserted", "updated", "unchanged", "rejected")),
        "",
    )
    console.print(table)
    for f in summary.files:
        for problem in f.problems[:50]:
            console.print(f"  {problem}", markup=False, highlight=False)
        if len(f.problems) > 50:
            console.print(f"  … and {len(f.problems) - 50} more problems in {f.file}")
        for warning in f.warnings[:50]:
            console.print(f"  warning: {warning}", markup=False, highlight=False)
        if len(f.warnings) > 50:
            console.print(f"  … and {len(f.warnings) - 50} more warnings in {f.file}")
    if rejects_path and summary.total("rejected"):
        console.print(f"Rejected records and reasons: {rejects_path}")


def _finish(summary, rejects_path: Path | None, skip_invalid: bool) -> None:
    _print_summary(summary, rejects_path)
    if summary.failed_files or (summary.total("rejected") and not skip_invalid):
        raise typer.Exit(1)


@import_app.command("fhir")
def import_fhir(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.json, .ndjson, .xml).")],
    source: Annotated[str, typer.Option(help="Name of the sending system (decides identity).")] = (
        "fhir"
    ),
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = Path("rejects.ndjson"),
    link: Link = True,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Processes validating large NDJSON files ahead of the writer "
            "(default: cores - 1; 0: validate in this process).",
        ),
    ] = None,
) -> None:
    """Import FHIR R4 Bundles, Bulk Data NDJSON or single resources (JSON or XML)."""
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from caretrust.ingest.fhir_import import FhirImporter, order_paths

    _run(
        order_paths(_expand(paths, FHIR_SUFFIXES)),
        unit="resources",
        make_importer=lambda writer, advance: FhirImporter(
            source=source,
            skip_invalid=skip_invalid,
            rejects=writer,
            on_progress=advance,
            workers=workers,
        ),
        skip_invalid=skip_invalid,
        rejects=rejects,
        link=link,
    )


@import_app.command("cld")
def import_cld(
    paths: Annotated[list[Path], typer.Argument(help="CLD CSV files or folders.")],
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = Path("rejects.ndjson"),
    link: Link = True,
) -> None:
    """Import Adult Social Care Client Level Data (DHSC) CSV files."""
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from caretrust.ingest.cld_import import CldImporter

    _run(
        _expand(paths, (".csv",)),
        unit="rows",
        make_importer=lambda writer, advance: CldImporter(
            skip_invalid=skip_invalid, rejects=writer, on_progress=advance
        ),
        skip_invalid=skip_invalid,
        rejects=rejects,
        link=link,
    )


@import_app.command("ndop")
def import_ndop(
    path: Annotated[
        Path, typer.Argument(help="The file the National Data Opt-out service returned.")
    ],
    cleared_on: Annotated[
        str, typer.Option("--cleared-on", help="The day the national check ran (YYYY-MM-DD).")
    ],
) -> None:
    """Record the cohort the National Data Opt-out check cleared (the NHS numbers submitted,
    opted-out people removed). Atomic; importing the same file again changes nothing."""
    from datetime import date

    try:
        day = date.fromisoformat(cleared_on)
    except ValueError:
        raise typer.BadParameter(
            f"--cleared-on {cleared_on!r} is not a date (YYYY-MM-DD)"
        ) from None
    if not path.is_file():
        raise typer.BadParameter(f"{path} does not exist")
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from caretrust.optout.services import CohortFileError, import_cleared_cohort

    try:
        outcome = import_cleared_cohort(path=path, cleared_on=day)
    except CohortFileError as exc:
        typer.echo(f"REFUSED: nothing imported. {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems[:50]:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    cohort = outcome.cohort
    if outcome.created:
        typer.echo(
            f"{path.name}: {cohort.numbers_cleared} NHS numbers cleared on {cohort.cleared_on}"
        )
    else:
        typer.echo(
            f"{path.name}: already imported (cleared on {cohort.cleared_on}); nothing changed"
        )


def _run(
    files: list[Path], *, unit: str, make_importer, skip_invalid: bool, rejects: Path, link: bool
) -> None:
    """Import each file in turn (each atomic) with one progress bar, then link and summarise."""
    from caretrust.ingest import checks
    from caretrust.ingest.report import ImportSummary, RejectsWriter

    writer = RejectsWriter(rejects if skip_invalid else None)
    summary = ImportSummary()
    with _progress() as progress:
        task = progress.add_task(unit, total=None)
        importer = make_importer(writer, lambda n: progress.advance(task, n))
        checks.freeze_long_lived_objects()  # after start-up (ADR 131)
        for path in files:
            progress.update(task, description=path.name[:40])
            summary.files.append(importer.import_file(path))
    writer.close()
    if link:
        _link_new_people()
    _finish(summary, rejects if skip_invalid else None, skip_invalid)


def _link_new_people() -> None:
    from rich.console import Console

    from caretrust.people.linkage import link_pending_people

    outcome = link_pending_people()
    if outcome.considered:
        Console().print(
            f"Linkage: {outcome.considered} new people without a usable NHS number; "
            f"{outcome.auto_linked} linked automatically, {outcome.for_review} pairs for review, "
            f"{outcome.new_people} new people."
        )


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
