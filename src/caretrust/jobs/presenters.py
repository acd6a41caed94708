from __future__ import annotations

import zlib
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from caretrust.jobs.models import Job
from caretrust.jobs.services import result_url

TAG = {
    Job.Status.QUEUED: "nhsuk-tag--grey",
    Job.Status.RUNNING: "nhsuk-tag--blue",
    Job.Status.DONE: "nhsuk-tag--green",
    Job.Status.FAILED: "nhsuk-tag--red",
}
ANNOUNCE = {
    Job.Status.QUEUED: "The job is queued.",
    Job.Status.RUNNING: "The job is running.",
    Job.Status.DONE: "The job is done.",
    Job.Status.FAILED: "The job failed.",
}
#: a job still queued after this long probably has no worker to run it
WORKER_HINT_AFTER = timedelta(seconds=20)


def job_view(job: Job, *, reload: bool = False) -> dict:
    status_url = reverse("jobs:status", kwargs={"pk": job.pk})
    waiting = (
        job.status == Job.Status.QUEUED and timezone.now() - job.created_at > WORKER_HINT_AFTER
    )
    state = f"{job.status}:{job.progress}:{zlib.crc32(job.message.encode()):x}:{int(waiting)}"
    return {
        "id": str(job.pk),
        "title": job.title,
        "kind": job.kind,
        "status": job.get_status_display(),
        "tag": TAG[job.status],
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "finished": job.finished,
        "failed": job.status == Job.Status.FAILED,
        "created_at": localtime(job.created_at),
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "url": reverse("jobs:detail", kwargs={"pk": job.pk}),
        "state": state,
        # what the page shows, so an unchanged job answers 204 and nothing is swapped
        "poll_url": f"{status_url}?seen={state}" + ("&reload=1" if reload else ""),
        "announcement": ANNOUNCE[job.status],
        "reload": reload,
        "result_url": result_url(job),
        "waiting_for_worker": waiting,
    }
