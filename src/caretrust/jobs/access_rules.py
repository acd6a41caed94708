"""Who may follow a job: the person who started it, and administrators."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Decision, Role


def _own_job(user, job) -> Decision:
    if job.owner_id == user.pk:
        return Decision(True, "You started this job.", "object_rule")
    if user.role == Role.ADMINISTRATOR:
        return Decision(True, "Administrators may follow every job.", "object_rule")
    return Decision(False, "Only the person who started this job may follow it.", "denied")


policy.register(
    "jobs.view",
    "follow a background job",
    {role for role in Role.values if role not in (Role.PERSON, Role.CARER)},
    object_rule=_own_job,
    read_only=True,
)
