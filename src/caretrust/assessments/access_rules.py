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


def _hub_assessments(user, person):
    from django.urls import reverse

    from caretrust.assessments.models import Assessment
    from caretrust.record.hub import HubLink, HubSection

    links = [
        HubLink(
            f"Joint assessment started {a.created_at:%d %b %Y}",
            reverse("assessments:detail", args=[a.uuid]),
            a.get_status_display(),
        )
        for a in Assessment.objects.filter(person=person).order_by("-created_at")[:5]
    ]
    return HubSection("Assessments", links, "No assessments.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("assessments", _hub_assessments, order=20)
