"""The one task the backends run: carry out a Job by its id (its kind says what to do).

One task for every kind keeps the task backend's view simple (a job id in, a status out) and puts
status, progress and errors in the Job row, where the person who started it can see them."""

from __future__ import annotations

try:  # Django 6 ships the API; before it, the django-tasks backport provides the same one.
    from django.tasks import task  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Django 5.2
    from django_tasks import task


@task()
def run_job(job_id: str) -> str:
    from caretrust.jobs.services import execute

    return execute(job_id)
