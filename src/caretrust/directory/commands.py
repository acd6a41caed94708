"""`caretrust import oruk FILE`: load an Open Referral UK feed file into the local services
directory (added to the `import` commands of `caretrust.ingest`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def import_oruk(
    paths: Annotated[list[Path], typer.Argument(help="ORUK (HSDS 3.0) JSON feed files.")],
) -> None:
    """Import Open Referral UK (HSDS 3.0) service feeds: each file all or nothing; importing
    the same file again changes nothing."""
    from caretrust.config.bootstrap import setup_django

    for path in paths:
        if not path.is_file():
            raise typer.BadParameter(f"{path} does not exist")
    setup_django()
    from caretrust.directory.importer import import_feed
    from caretrust.ingest.commands import _finish
    from caretrust.ingest.report import ImportSummary

    summary = ImportSummary(files=[import_feed(path) for path in paths])
    _finish(summary, None, skip_invalid=False)


def register(app: typer.Typer) -> None:
    from caretrust.ingest.commands import import_app

    import_app.command("oruk")(import_oruk)
