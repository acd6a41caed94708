from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from caretrust.access import policy
from caretrust.jobs.models import Job
from caretrust.jobs.presenters import job_view
from caretrust.jobs.services import fail_abandoned


def _job(request: HttpRequest, pk) -> Job:
    policy.require(request.user, "jobs.view")
    job = get_object_or_404(Job, pk=pk)
    policy.require(request.user, "jobs.view", job)
    if job.status == Job.Status.RUNNING and fail_abandoned():
        job.refresh_from_db()  # its worker died: say so rather than "running" for ever
    return job


def job_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "jobs.view")
    fail_abandoned()
    jobs = Job.objects.filter(owner=request.user)[:50]
    return render(
        request,
        "jobs/list.jinja",
        {"page_title": "Your background jobs", "jobs": [job_view(job) for job in jobs]},
    )


def job_detail(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "jobs/detail.jinja", {"page_title": job.title, "job": job_view(job)})


def job_status(request: HttpRequest, pk) -> HttpResponse:
    """The progress fragment, polled by htmx while the job runs (it stops polling once the job has
    finished). With `?reload=1` a finished job reloads the whole page that polls (HX-Refresh), so a
    result page can show its result in place of the progress bar."""
    job = _job(request, pk)
    view = job_view(job, reload=request.GET.get("reload") == "1")
    seen = request.GET.get("seen", "")
    if request.headers.get("HX-Request") and seen == view["state"] and not job.finished:
        return HttpResponse(status=204)  # nothing new: htmx keeps the page as it is
    # The live region is told only when the status changes (not at every percent).
    announce = seen.split(":", 1)[0] != job.status
    response = render(request, "jobs/_status.jinja", {"job": view, "announce": announce})
    if job.finished and view["reload"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response
