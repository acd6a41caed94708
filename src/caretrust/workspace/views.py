"""Task pages. Thin: forms validate, services write, presenters shape, policy decides."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.ui.forms import add_form_errors
from caretrust.workspace import forms, presenters, selectors, services
from caretrust.workspace.models import Task


def tasks(request: HttpRequest) -> HttpResponse:
    """My tasks (mine and my teams'), overdue and due first; and the tasks I set for others."""
    user = request.user
    policy.require(user, "workspace.tasks")
    today = timezone.localdate()
    # Only tasks about people the user has a relationship with are listed by name; the
    # selectors record the read of each person shown (ADR 101).
    mine = selectors.my_tasks(user, fetch=200)
    set_by_me = selectors.tasks_set_by(user, fetch=100)
    return render(
        request,
        "workspace/tasks.jinja",
        {
            "page_title": "Tasks",
            "mine": [presenters.task_row(t, today) for t in mine],
            "set_by_me": [presenters.task_row(t, today) for t in set_by_me],
        },
    )


def new_task(request: HttpRequest, ref) -> HttpResponse:
    # The form shows the person (also when it comes back with errors): the read is recorded by
    # the selector (ADR 107).
    person = selectors.person_to_set_a_task_about(request.user, ref)
    form = forms.TaskForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.create_task(
                actor=request.user,
                person=person,
                title=data["title"],
                description=data["description"],
                due_date=data["due_date"],
                priority=data["priority"],
                **form.assignee(),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, f"Task set for {task.assignee_label}.")
            return redirect("workspace:task", task.uuid)
    return render(
        request,
        "workspace/new_task.jinja",
        {"page_title": "Set a task", "form": form, "person": person},
    )


def _task(request: HttpRequest, uuid) -> Task:
    task = get_object_or_404(
        Task.objects.select_related("person", "assigned_user", "assigned_team", "created_by"),
        uuid=uuid,
    )
    policy.require(request.user, "workspace.task", task)
    return task


def task(request: HttpRequest, uuid, **overrides) -> HttpResponse:
    task = selectors.task_for(request.user, uuid)  # 404, 403, or read and recorded
    return _render_task(request, task, **overrides)


def _render_task(request, task: Task, **overrides) -> HttpResponse:
    return render(
        request,
        "workspace/task.jinja",
        {
            "page_title": task.title,
            "task": task,
            "row": presenters.task_row(task, timezone.localdate()),
            "comments": list(task.comments.select_related("author")),
            "comment_form": overrides.get("comment_form") or forms.CommentForm(),
            "complete_form": overrides.get("complete_form")
            or forms.CompleteForm(initial={"version": task.version}),
        },
    )


@require_POST
def task_action(request: HttpRequest, uuid, action: str) -> HttpResponse:
    task = _task(request, uuid)
    try:
        if action == "comment":
            form = forms.CommentForm(request.POST)
            if not form.is_valid():
                return _render_task(request, task, comment_form=form)
            services.add_comment(actor=request.user, task=task, text=form.cleaned_data["text"])
            messages.success(request, "Comment added.")
        elif action == "start":
            services.start_task(actor=request.user, task=task, expected_version=task.version)
            messages.success(request, "You have taken this task.")
        elif action == "complete":
            form = forms.CompleteForm(request.POST)
            if not form.is_valid():
                return _render_task(request, task, complete_form=form)
            services.complete_task(
                actor=request.user,
                task=task,
                expected_version=form.cleaned_data["version"],
                outcome=form.cleaned_data["outcome"],
            )
            messages.success(request, "Task done.")
        else:
            raise Http404("Unknown action.")
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    return redirect("workspace:task", task.uuid)
