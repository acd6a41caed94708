"""Who may see and contribute to a joint assessment: the person's record rule (a legitimate
relationship, else break-glass), for the roles that give direct care."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role


def _assessment_rule(user, obj):
    person = getattr(obj, "person", obj)
    return relationships.person_record_rule(user, person)


policy.register(
    "assessments.view",
    "see a joint assessment",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=_assessment_rule,
    read_only=True,
)
policy.register(
    "assessments.contribute",
    "contribute to a joint assessment",
    {Role.PRACTITIONER},
    object_rule=_assessment_rule,
)
policy.register(
    "assessments.decide",
    "record a Care Act eligibility decision",
    {Role.PRACTITIONER},
    object_rule=_assessment_rule,
)
