"""The job lifecycle (ADR 0048): queued → running → done, failures recorded with their message,
progress visible while the job runs, and the status fragment htmx polls."""

from __future__ import annotations

import zlib

import pytest
from django.core.management import call_command
from django.urls import reverse

from caretrust.jobs import registry
from caretrust.jobs.models import Job
from caretrust.jobs.services import execute, submit

pytestmark = pytest.mark.django_db

seen_while_running: list[tuple[str, int, str]] = []


def _halfway(job, progress):
    progress(50, "Halfway there")
    row = Job.objects.get(pk=job.pk)  # what the owner's page would read now
    seen_while_running.append((row.status, row.progress, row.message))
    return "tests.thing:7"


def _broken(job, progress):
    progress(30, "Reading")
    raise ValueError("The extract has no people in it")


registry.register("tests.halfway", _halfway, result_url=lambda ref: f"/things/{ref.split(':')[1]}/")
registry.register("tests.broken", _broken)

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_a_job_runs_queued_running_done_with_its_progress_visible(user_for, settings) -> None:
    settings.TASKS = DUMMY  # enqueue only: the job waits as a worker would find it
    seen_while_running.clear()
    job = submit(owner=user_for("analyst"), kind="tests.halfway", title="A test job", parameters={})
    assert (job.status, job.progress, job.started_at) == (Job.Status.QUEUED, 0, None)
    assert job.task_id

    assert execute(str(job.pk)) == Job.Status.DONE
    assert seen_while_running == [(Job.Status.RUNNING, 50, "Halfway there")]
    job.refresh_from_db()
    assert (job.status, job.progress, job.message) == (Job.Status.DONE, 100, "Done")
    assert job.result_ref == "tests.thing:7"
    assert job.started_at <= job.finished_at
    # A duplicated task does not run a finished job again.
    assert execute(str(job.pk)) == Job.Status.DONE
    assert len(seen_while_running) == 1


def test_a_failure_is_recorded_with_its_message(user_for) -> None:
    # The test settings' immediate backend runs the job inside submit.
    job = submit(owner=user_for("analyst"), kind="tests.broken", title="Broken", parameters={})
    assert job.status == Job.Status.FAILED
    assert job.error == "The extract has no people in it"
    assert job.progress == 30  # how far it got
    assert job.finished_at is not None


def test_an_unknown_kind_is_refused_when_submitted(user_for) -> None:
    with pytest.raises(LookupError):
        submit(owner=user_for("analyst"), kind="tests.nothing", title="x")
    assert not Job.objects.exists()


def test_the_status_fragment_polls_until_the_job_finishes(client, user_for, settings) -> None:
    settings.TASKS = DUMMY
    analyst = user_for("analyst")
    job = submit(owner=analyst, kind="tests.halfway", title="Polled job")
    client.force_login(analyst)
    url = reverse("jobs:status", kwargs={"pk": job.pk})
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html and "<script" not in html
    assert '<progress class="ct-progress"' in html and 'value="0"' in html
    # Nothing changed since the page was drawn: 204, htmx swaps nothing (and says nothing).
    seen = {"seen": "queued:0:0:0"}
    assert client.get(url, seen, headers={"HX-Request": "true"}).status_code == 204

    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, progress=40, message="Run 8 of 20"
    )
    html = client.get(url, seen, headers={"HX-Request": "true"}).content.decode()
    assert 'value="40"' in html and "Run 8 of 20" in html and "hx-trigger" in html
    # The status changed: the page's live region is told, out of band.
    assert 'hx-swap-oob="innerHTML">The job is running.' in html
    html = client.get(
        url,
        {"seen": f"running:39:{zlib.crc32(b'Run 8 of 20'):x}:0"},
        headers={"HX-Request": "true"},
    ).content
    assert b"hx-swap-oob" not in html  # only the percent changed: the bar moves, silently

    execute(str(job.pk))
    response = client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "hx-trigger" not in html  # polling stops
    assert 'href="/things/7/"' in html and "HX-Refresh" not in response.headers
    # A result page polling with reload=1 is reloaded once the job has finished.
    response = client.get(url + "?reload=1", headers={"HX-Request": "true"})
    assert response.headers["HX-Refresh"] == "true"


def test_only_the_owner_follows_a_job(client, user_for) -> None:
    job = submit(owner=user_for("analyst"), kind="tests.broken", title="Mine")
    client.force_login(user_for("finance"))
    assert client.get(reverse("jobs:detail", kwargs={"pk": job.pk})).status_code == 403
    client.force_login(user_for("analyst"))
    page = client.get(reverse("jobs:detail", kwargs={"pk": job.pk})).content.decode()
    assert "The extract has no people in it" in page
    assert "Mine" in client.get(reverse("jobs:list")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_and_its_worker_run_a_job(user_for, settings) -> None:
    """The production path: the job waits in the database until `caretrust worker` (django-tasks-db's
    db_worker) runs it."""
    settings.TASKS = DATABASE
    job = submit(owner=user_for("analyst"), kind="tests.halfway", title="Queued")
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.progress, job.result_ref) == (Job.Status.DONE, 100, "tests.thing:7")


def test_a_job_whose_worker_died_is_shown_as_failed_not_running_for_ever(
    client, user_for, settings
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.TASKS = DUMMY
    owner = user_for("analyst")
    job = submit(owner=owner, kind="tests.halfway", title="Left behind", parameters={})
    long_ago = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago, progress=40
    )
    alive = submit(owner=owner, kind="tests.halfway", title="Still going", parameters={})
    Job.objects.filter(pk=alive.pk).update(
        status=Job.Status.RUNNING, started_at=long_ago, heartbeat_at=timezone.now()
    )

    client.force_login(owner)
    page = client.get(reverse("jobs:detail", kwargs={"pk": job.pk})).content.decode()
    assert "The worker running this job stopped before it finished" in page
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    alive.refresh_from_db()
    assert alive.status == Job.Status.RUNNING  # its process is still beating


def _slow(job, progress):
    import time

    time.sleep(0.6)
    return ""


registry.register("tests.slow", _slow)


@pytest.mark.django_db(transaction=True)
def test_the_running_process_beats_while_a_handler_is_silent(user_for, settings, monkeypatch):
    from datetime import timedelta

    from caretrust.jobs import services

    settings.TASKS = DUMMY
    monkeypatch.setattr(services, "HEARTBEAT_EVERY", timedelta(seconds=0.1))
    job = submit(owner=user_for("analyst"), kind="tests.slow", title="Quiet", parameters={})
    assert execute(str(job.pk)) == Job.Status.DONE
    job.refresh_from_db()
    # A beat came after the start although the handler reported no progress.
    assert job.heartbeat_at > job.started_at
