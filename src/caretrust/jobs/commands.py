"""`caretrust worker`: run background jobs from the database queue (ADR 0048)."""

from __future__ import annotations

import typer


def worker(
    interval: float = typer.Option(1.0, help="Seconds to wait when the queue is empty."),
    batch: bool = typer.Option(False, "--batch", help="Run what is queued, then stop."),
    max_tasks: int = typer.Option(0, help="Stop after this many jobs (0: never)."),
) -> None:
    """Run queued background jobs (projections, evaluations, exports, email) until stopped.
    Start one or more next to `caretrust serve --processes N`; `caretrust serve` with one process
    and `caretrust demo` run one in a thread of their own."""
    from caretrust.config.bootstrap import setup_django

    setup_django(check_database=True)
    from django.core.management import call_command

    from caretrust.jobs.services import fail_abandoned
    from caretrust.jobs.worker import uses_database_queue

    if not uses_database_queue():
        typer.echo("caretrust: TASKS uses no database queue; jobs run where they are started.")
        raise typer.Exit(1)
    abandoned = fail_abandoned()
    if abandoned:
        typer.echo(f"caretrust: {abandoned} job(s) left running by a stopped worker marked failed.")
    args = ["db_worker", "--no-reload", "--queue-name", "default", "--interval", str(interval)]
    if batch:
        args.append("--batch")
    if max_tasks:
        args += ["--max-tasks", str(max_tasks)]
    call_command(*args)


def register(app: typer.Typer) -> None:
    app.command()(worker)
