"""`caretrust audit verify|checkpoint` and `caretrust audit roles`: proving the audit log."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="Prove the audit log: verify its hash chain, record its head.")


@audit_app.command("verify")
def verify() -> None:
    """Check every row's hash and link, and the log against every checkpoint. Exit 1 on any
    alteration, deletion or truncation."""
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from caretrust.access import chain

    result = chain.verify()
    for problem in result.problems:
        typer.echo(f"audit: {problem}", err=True)
    if not result.ok:
        typer.echo(
            f"audit: NOT intact: {len(result.problems)} problems in {result.rows} rows "
            f"checked against {result.checkpoints} checkpoints",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"audit: intact: {result.rows} rows, {result.checkpoints} checkpoints")


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Record the chain's head now (run hourly by the scheduler, and on demand)."""
    from caretrust.config.bootstrap import setup_django

    setup_django()
    from caretrust.access import chain

    saved = chain.checkpoint()
    typer.echo(f"audit checkpoint: row {saved.sequence}, hash {saved.row_hash}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
