"""Who may see and change tasks. A task is about a person, so it needs the same legitimate
relationship as the person's record (never break-glass: these actions are not read-only), and it
must be yours: assigned to you or your team, or set by you."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role
from caretrust.ui import navigation

STAFF = {Role.COORDINATOR, Role.PRACTITIONER}


def _mine(user, task) -> bool:
    from caretrust.referrals.selectors import user_team_ids

    return (
        task.assigned_user_id == user.id
        or task.created_by_id == user.id
        or (task.assigned_team_id is not None and task.assigned_team_id in user_team_ids(user))
    )


def task_rule(user, task) -> Decision:
    if not _mine(user, task):
        return Decision(False, "This task is not assigned to you or your team.", "denied")
    return relationships.person_record_rule(user, task.person)


def person_rule(user, person) -> Decision:
    return relationships.person_record_rule(user, person)


policy.register("workspace.tasks", "see your tasks", STAFF)
policy.register(
    "workspace.create_task", "set a task about a person", STAFF, object_rule=person_rule
)
policy.register("workspace.task", "see and work on a task", STAFF, object_rule=task_rule)


def _open_count(user) -> QuerySet:
    from caretrust.workspace.selectors import open_tasks

    return open_tasks(user)


navigation.register("Tasks", "workspace:tasks", "workspace.tasks", order=7, count=_open_count)
navigation.register("Staff and teams", "workspace:admin", "organisations.manage", order=80)


def _hub_tasks(user, person):
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection
    from caretrust.workspace.selectors import open_tasks_about

    if not policy.decide(user, "workspace.tasks"):
        return None
    links = [
        HubLink(
            t.title,
            reverse("workspace:task", args=[t.uuid]) if _mine(user, t) else "",
            f"{t.assignee_label}, due {t.due_date:%d %b %Y}",
        )
        for t in open_tasks_about(person, viewer=user, limit=10)
    ]
    if policy.decide(user, "workspace.create_task", person):
        links.append(
            HubLink(
                "Set a task about this person", reverse("workspace:new_task", args=[person.ref])
            )
        )
    return HubSection("Tasks", links, "No open tasks.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("tasks", _hub_tasks, order=40)
