"""The `caretrust` command.

Each area of the domain keeps its commands in its own `commands.py`; this module only gathers them.
Command modules import their heavy dependencies (pandas, Spark, Django) inside the command body, so
`caretrust --help` stays fast.
"""

from __future__ import annotations

import typer

from caretrust import __version__

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


def _register() -> None:
    from caretrust.web import commands as web

    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        web.manage
    )
    app.command()(web.serve)
    app.command()(web.demo)


_register()

if __name__ == "__main__":  # pragma: no cover
    app()
