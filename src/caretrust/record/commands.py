"""`caretrust export parquet DIR`: the linked record for the analytics library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

export_app = typer.Typer(help="Export the shared record for secondary use.", no_args_is_help=True)


@export_app.command("parquet")
def export_parquet(
    out: Annotated[Path, typer.Argument(help="Directory for the Parquet tables.")],
    area: Annotated[str, typer.Option(help="Area code written in people.area.")] = "",
) -> None:
    """Write people, encounters, conditions, prescriptions and social care events as Parquet
    (docs/data-contract.md), leaving out people who opted out of secondary use."""
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from django.db import transaction

    from caretrust.access import audit
    from caretrust.access.models import AuditEvent
    from caretrust.optout.selectors import StaleCohort
    from caretrust.record.export import export_parquet as run

    try:
        stats = run(out, area=area)
    except StaleCohort as exc:
        typer.echo(f"REFUSED: {exc}", err=True)
        raise typer.Exit(2) from None
    with transaction.atomic():
        audit.record(
            actor=None,
            actor_label="export parquet",
            action=AuditEvent.Action.EXPORT,
            object_type="parquet",
            object_id=str(out)[:100],
            details={
                "rows": stats.rows,
                "left_out_opted_out": stats.left_out_opted_out,
                "ndop_cleared_on": str(stats.ndop_cleared_on),
            },
        )
    for table, rows in stats.rows.items():
        typer.echo(f"{table}: {rows} rows")
    typer.echo(
        f"left out (National Data Opt-out check of {stats.ndop_cleared_on}, or opted out "
        f"locally): {stats.left_out_opted_out} people"
    )


@export_app.command("ndop-submission")
def export_ndop_submission(
    out: Annotated[Path, typer.Argument(help="The file of NHS numbers to submit.")],
) -> None:
    """Write the valid NHS numbers of everyone in the index, one a line, to submit to the
    National Data Opt-out service; import what it returns with `caretrust import ndop`."""
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from caretrust.optout.selectors import submission_numbers

    numbers = submission_numbers()
    out.write_text("NHS_Number\n" + "".join(f"{n}\n" for n in numbers))
    typer.echo(f"{out}: {len(numbers)} NHS numbers")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
