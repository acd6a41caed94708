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
    from caretrust.record.export import export_parquet as run

    stats = run(out, area=area)
    with transaction.atomic():
        audit.record(
            actor=None,
            actor_label="export parquet",
            action=AuditEvent.Action.EXPORT,
            object_type="parquet",
            object_id=str(out)[:100],
            details={"rows": stats.rows, "left_out_opted_out": stats.left_out_opted_out},
        )
    for table, rows in stats.rows.items():
        typer.echo(f"{table}: {rows} rows")
    typer.echo(f"left out (National Data Opt-out): {stats.left_out_opted_out} people")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
