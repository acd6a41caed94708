"""The job lifecycle: queued → running → done | failed, with progress on the way.

`submit` writes the Job and enqueues its task in one transaction, so a database backend's worker
never sees a task without its Job (nor a Job whose task was lost). `execute` runs in the worker
(or in the caller with the immediate backend used by tests): it marks the job running, gives the
handler a `progress` callable that writes straight to the Job row (outside any transaction of the
handler, so the owner sees it at once), and records the result or the error. A handler that must
not leave half its result behind writes it in its own `transaction.atomic()` at the end."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from caretrust.access import audit
from caretrust.jobs import registry
from caretrust.jobs.models import Job

logger = logging.getLogger(__name__)


@transaction.atomic
def submit(
    *,
    owner: Any,
    kind: str,
    title: str,
    parameters: dict | None = None,
    run_after: datetime | None = None,
) -> Job:
    """Record a job and enqueue it. Returns the Job (already finished with the immediate backend).

    `run_after` defers it (a retry's backoff) on a backend that can defer (the database queue); a
    backend that cannot (the immediate one of the tests) runs it now."""
    from caretrust.jobs.tasks import run_job
    from caretrust.jobs.worker import default_backend

    registry.get(kind)  # an unknown kind fails here, in the request, not later in a worker
    job = Job.objects.create(
        owner=owner if getattr(owner, "is_authenticated", False) else None,
        kind=kind,
        title=title,
        parameters=parameters or {},
    )
    audit.record(
        actor=owner,
        action="create",
        obj=job,
        details={"kind": kind, "title": title},
        actor_label="system",
    )
    task = run_job
    if run_after is not None and default_backend().supports_defer:
        task = run_job.using(run_after=run_after)
    result = task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


class ProgressReporter:
    """`progress(percent, message="")`: writes only when something changed; never goes back."""

    def __init__(self, job_id) -> None:
        self.job_id = job_id
        self.percent = 0
        self.message = ""

    def __call__(self, percent: float, message: str = "") -> None:
        percent = int(max(self.percent, min(99, max(0, percent))))  # 100 is for done
        message = (message or self.message)[:200]
        if percent == self.percent and message == self.message:
            return
        self.percent, self.message = percent, message
        Job.objects.filter(pk=self.job_id).update(progress=percent, message=message)


#: how often the running process says it is alive, and how long a silence means it has died
HEARTBEAT_EVERY = timedelta(seconds=15)
ABANDONED_AFTER = timedelta(minutes=2)
ABANDONED_MESSAGE = (
    "The worker running this job stopped before it finished (no sign of life since {since}). "
    "Nothing it was making was kept; start the job again."
)


class Heartbeat:
    """A daemon thread that stamps `Job.heartbeat_at` while the job runs. A thread rather than the
    progress calls, because a handler may spend minutes in one step without reporting progress."""

    def __init__(self, job_id) -> None:
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job_id}")
        self.thread.daemon = True

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_EVERY.total_seconds()):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed beat is not worth failing the job for
            logger.warning("job %s heartbeat stopped", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()


def fail_abandoned(now=None) -> int:
    """Mark running jobs whose process has stopped beating as failed, with a message that says so.
    Called when a job is shown and when a worker starts. Returns how many were failed."""
    now = now or timezone.now()
    cutoff = now - ABANDONED_AFTER
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    failed = 0
    for job in Job.objects.filter(silent, status=Job.Status.RUNNING):
        last = job.heartbeat_at or job.started_at
        since = timezone.localtime(last).strftime("%d %b %Y %H:%M")
        # The status is checked again in the update: a job that finished meanwhile is left alone.
        failed += Job.objects.filter(silent, pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED,
            message="Failed",
            error=ABANDONED_MESSAGE.format(since=since),
            finished_at=now,
        )
    return failed


def execute(job_id: str) -> str:
    """Run one job (called by the task). Returns its final status."""
    job = Job.objects.get(pk=job_id)
    if job.finished:  # a retried or duplicated task does not run a finished job again
        return job.status
    kind = registry.get(job.kind)
    started = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        started_at=started,
        heartbeat_at=started,
        progress=0,
        message="Started",
    )
    job.status, job.started_at = Job.Status.RUNNING, started
    try:
        with Heartbeat(job.pk):
            result_ref = kind.handler(job, ProgressReporter(job.pk)) or ""
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            error=str(exc) or type(exc).__name__,
            message="Failed",
            finished_at=timezone.now(),
        )
        raise  # the task backend records the failure too
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        progress=100,
        message="Done",
        result_ref=result_ref,
        finished_at=timezone.now(),
    )
    return Job.Status.DONE


def result_url(job: Job) -> str:
    """Where a finished job's result is shown ("" if nowhere)."""
    if job.status != Job.Status.DONE or not job.result_ref:
        return ""
    kind = registry.get(job.kind)
    return kind.result_url(job.result_ref) if kind.result_url else ""
