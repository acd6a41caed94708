"""`caretrust export cld`: the statutory quarterly CLD return (ADR 87)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer


def export_cld(
    from_: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")],
    output: Annotated[
        Path | None, typer.Option(help="The CSV to write (default: CLD_<LA>_<from>_<to>.csv).")
    ] = None,
    la_code: Annotated[
        str, typer.Option(help="The council's LA code (default: CARETRUST_LA_CODE).")
    ] = "",
) -> None:
    """Write the Adult Social Care Client Level Data return for a period, checked against the
    specification's field rules first: a failing row is named with its field and nothing is
    written."""
    try:
        start, end = date.fromisoformat(from_), date.fromisoformat(to)
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD ({exc})") from None
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from django.db import transaction

    from caretrust.access import audit
    from caretrust.access.models import AuditEvent
    from caretrust.assessments.cld_export import InvalidReturn
    from caretrust.assessments.cld_export import export_cld as run

    try:
        result = run(start, end, output=output, la_code=la_code)
    except InvalidReturn as exc:
        problems = exc.result.problems
        typer.echo(
            f"REFUSED: {len(problems)} problem(s) in {exc.result.rows} rows; nothing written.",
            err=True,
        )
        for problem in problems[:50]:
            typer.echo(f"  {problem}", err=True)
        if len(problems) > 50:
            typer.echo(f"  … and {len(problems) - 50} more", err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    with transaction.atomic():
        audit.record(
            actor=None,
            actor_label="export cld",
            action=AuditEvent.Action.EXPORT,
            object_type="cld",
            object_id=f"{result.la_code} {start}..{end}"[:100],
            details={"rows": result.rows, "by_event_type": result.by_event_type},
        )
    typer.echo(f"{result.path}: {result.rows} rows, every row valid")
    for event_type, count in result.by_event_type.items():
        typer.echo(f"  {event_type}: {count}")
    if result.left_out_died_before:
        typer.echo(
            f"left out: {result.left_out_died_before} events that ended, cropped to the "
            "person's date of death, before the period"
        )


def register(app: typer.Typer) -> None:
    from caretrust.record.commands import export_app

    export_app.command("cld")(export_cld)
