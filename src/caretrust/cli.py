"""The `caretrust` command.

Each area of the domain keeps its commands in its own `commands.py`, which defines
`register(app: typer.Typer) -> None`; this module only gathers them. Command modules import their
heavy dependencies (pandas, Spark, Django) inside the command body, so `caretrust --help` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util

import typer

from caretrust import __version__

# Areas whose commands.py adds commands, in the order they appear in `caretrust --help`.
AREAS = (
    "web",
    "access",
    "synthetic",
    "ingest",
    "directory",
    "people",
    "record",
    "assessments",
    "referrals",
    "funding",
    "outcomes",
    "population",
    "jobs",
)

app = typer.Typer(
    name="caretrust",
    help="Integrated health and social care: one door, one record, one plan, one budget.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the caretrust version."""
    typer.echo(__version__)


def _register_areas() -> None:
    for area in AREAS:
        module_name = f"caretrust.{area}.commands"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_areas()

if __name__ == "__main__":  # pragma: no cover
    app()
