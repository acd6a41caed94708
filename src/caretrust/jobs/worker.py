"""Run queued jobs: `caretrust worker` (a process of its own: production) or a thread inside
`caretrust serve`/`demo` (one command for the embedded demo). Both are django-tasks-db's worker,
polling the database backend's queue."""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


def default_backend():
    try:
        from django.tasks import task_backends  # type: ignore[import-not-found]
    except ImportError:  # Django 5.2: the backport
        from django_tasks import task_backends
    return task_backends["default"]


def uses_database_queue() -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(default_backend(), DatabaseBackend)


def start_embedded_worker(*, interval: float = 1.0) -> threading.Thread | None:
    """Start a daemon thread that runs queued jobs in this process; None when the default backend
    is not the database queue (the immediate backend runs jobs in the request already)."""
    if not uses_database_queue():
        return None
    from django.db import close_old_connections
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"embedded-{get_random_string(16)}",
        excluded_queue_names=[],
    )

    def run_forever() -> None:
        while True:
            try:
                worker.run()
                return
            except Exception:  # a database hiccup must not end background work for the process
                logger.exception("embedded job worker stopped; restarting in 5 s")
                close_old_connections()
                time.sleep(5)

    thread = threading.Thread(target=run_forever, name="caretrust-job-worker", daemon=True)
    thread.start()
    return thread
