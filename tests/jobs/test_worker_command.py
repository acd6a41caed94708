"""`caretrust worker` runs django-tasks-db's worker on the embedded database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.slow
def test_the_worker_command_runs_the_queue_and_stops_in_batch_mode(tmp_path) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment["CARETRUST_VAR_DIR"] = str(tmp_path / "var")

    def caretrust(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "caretrust.cli", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert caretrust("manage", "migrate", "-v0").returncode == 0
    done = caretrust("worker", "--batch", "--interval", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No more tasks to run" in done.stdout + done.stderr


def test_the_embedded_worker_is_only_for_the_database_queue() -> None:
    from caretrust.jobs.worker import start_embedded_worker, uses_database_queue

    # The test settings run jobs at once (immediate backend): no thread is needed.
    assert not uses_database_queue()
    assert start_embedded_worker() is None
