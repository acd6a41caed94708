"""The demo directory: a small Bayside feed of voluntary and community services (invented)."""

from __future__ import annotations

from pathlib import Path

from caretrust.ingest.report import FileResult

DEMO_FEED = Path(__file__).parent / "demo_data" / "bayside_services.json"


def load_demo_services() -> FileResult:
    """Import the demo feed (idempotent: a second run changes nothing)."""
    from caretrust.directory.importer import import_feed

    result = import_feed(DEMO_FEED)
    if not result.committed:
        raise ValueError("; ".join(str(p) for p in result.problems))
    return result
