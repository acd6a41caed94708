"""The team workspace's to-do tasks as FHIR Task (read, search; ADR 116), told apart from a
referral's Task (code `fulfill`) by `Task.code` `todo`. Served through the referrals' Task handler
(`referrals.hooks.register_task_source`), under the workspace's own rule (`workspace.task`: yours
or your team's or set by you, about a person you have a relationship with), every read audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q, QuerySet

from caretrust.fhir.handlers import export_for_people, filter_date, search_for_person
from caretrust.fhir.practitioners import reference as practitioner_reference
from caretrust.fhir.registry import (
    FhirContext,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
)
from caretrust.workspace.models import Task

TODO_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/task"
KIND_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/workspace-task-kind"
TEAM_SYSTEM = "https://caretrust.example.org/fhir/Id/team"
TODO_CODES = {"todo", f"{TODO_SYSTEM}|todo", "|todo"}
RELATED = ("person", "assigned_user", "assigned_team", "created_by")


def to_fhir(task: Task) -> dict:
    from fhir.resources.R4B.task import Task as FhirTask

    resource: dict = {
        "resourceType": "Task",
        "id": str(task.uuid),
        "status": task.status,
        "intent": "order",
        "priority": task.priority,
        "code": {
            "coding": [
                {"system": TODO_SYSTEM, "code": "todo", "display": "To-do"},
                {"system": KIND_SYSTEM, "code": task.code, "display": task.get_code_display()},
            ],
            "text": task.title,
        },
        "description": task.description or task.title,
        "for": {"reference": f"Patient/{task.person.ref}", "display": task.person.display_name},
        "authoredOn": task.created_at.isoformat(),
        "lastModified": task.updated_at.isoformat(),
        "restriction": {"period": {"end": task.due_date.isoformat()}},
    }
    if task.created_by_id:
        resource["requester"] = practitioner_reference(task.created_by)
    elif task.raised_by:
        resource["requester"] = {"display": task.raised_by}
    if task.assigned_user_id:
        resource["owner"] = practitioner_reference(task.assigned_user)
    elif task.assigned_team_id:
        resource["owner"] = {
            "display": task.assigned_team.name,
            "identifier": {"system": TEAM_SYSTEM, "value": task.assigned_team.code},
        }
    return FhirTask.model_validate(resource).model_dump(mode="json", exclude_none=True)


def _stored(task: Task) -> Stored:
    # A to-do task has no version counter: its versionId is the time it last changed.
    return Stored(
        resource=to_fhir(task),
        version_id=str(int(task.updated_at.timestamp() * 1000)),
        last_updated=task.updated_at,
    )


class TodoTaskHandler(ResourceHandler):
    resource_type = "Task"
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "status": "token",
        "owner": "reference",
        "code": "token",
        "_id": "token",
        "_lastUpdated": "date",
    }
    counts = True
    chains = True  # search_for_person honours SearchParams.people (ADR 0121)

    def read(self, ctx: FhirContext, id: str) -> Stored:
        try:
            key = uuid.UUID(id)
        except ValueError:
            raise NotFound(f"Task/{id} is not known") from None
        task = Task.objects.select_related(*RELATED).filter(uuid=key).first()
        if task is None:
            raise NotFound(f"Task/{id} is not known")
        ctx.require("workspace.task", task)
        ctx.audit_read(person=task.person, object_type="Task", object_id=id)
        return _stored(task)

    def _filters(self, params: SearchParams, tasks: QuerySet) -> QuerySet:
        for value in params.params.get("status", []):
            tasks = tasks.filter(status__in=value.split(","))
        for value in params.params.get("code", []):
            if not set(value.split(",")) & TODO_CODES:
                return tasks.none()
        for value in params.params.get("owner", []):
            system, bar, code = value.rpartition("|")
            if bar and system != TEAM_SYSTEM:
                return tasks.none()
            tasks = tasks.filter(assigned_team__code=code.rsplit("/", 1)[-1])
        return filter_date(tasks, "updated_at", params.params.get("_lastUpdated", []), instant=True)

    @staticmethod
    def _mine(user) -> Q:
        from caretrust.referrals.selectors import user_team_ids

        return (
            Q(assigned_user=user)
            | Q(created_by=user)
            | Q(assigned_team_id__in=sorted(user_team_ids(user)))
        )

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        """The to-do tasks about these people the client's search would show (ADR 117): its
        own, its team's, or set by it."""
        return export_for_people(
            ctx,
            Task.objects.select_related(*RELATED),
            person_ids,
            since,
            action="workspace.task",
            to_stored=_stored,
            scope=None if secondary_use else self._mine(ctx.user),
            secondary_use=secondary_use,
        )

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        mine = self._mine(ctx.user)
        return search_for_person(
            ctx,
            Task.objects.select_related(*RELATED),
            params,
            resource_type="Task",
            action="workspace.task",
            object_id=lambda task: str(task.uuid),
            to_stored=_stored,
            filters=lambda tasks: self._filters(params, tasks),
            scope=mine,
        )
