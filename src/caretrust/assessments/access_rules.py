"""Who may see and contribute to a joint assessment: the person's record rule (a legitimate
relationship, else break-glass), for the roles that give direct care."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role


def _assessment_rule(user, obj):
    person = getattr(obj, "person", obj)
    return relationships.person_record_rule(user, person)


def _decider_rule(user, obj) -> Decision:
    """Council policy (s13, delegable under s79) held as data in `EligibilityDecider`: by default
    social workers and occupational therapists, plus people the council names. Then the person's
    record rule, as for every write."""
    from caretrust.assessments.models import EligibilityDecider

    if not EligibilityDecider.allows(user):
        return Decision(
            False,
            f"Council policy: a {user.role_label.lower()} may not record a Care Act eligibility "
            "decision. Ask a social worker or occupational therapist on the team.",
            "denied",
        )
    return _assessment_rule(user, obj)


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
    object_rule=_decider_rule,
)
policy.register(
    "assessments.manage_deciders",
    "change who may decide Care Act eligibility",
    {Role.ADMINISTRATOR},
)
policy.register(
    "assessments.end",
    "end an assessment without a decision",
    {Role.PRACTITIONER},
    object_rule=_assessment_rule,
)


def _hub_assessments(user, person):
    from django.urls import reverse

    from caretrust.assessments.models import Assessment
    from caretrust.record.hub import HubLink, HubSection

    latest = list(Assessment.objects.filter(person=person).order_by("-created_at")[:5])
    links = [
        HubLink(
            f"Joint assessment started {a.created_at:%d %b %Y}",
            reverse("assessments:detail", args=[a.uuid]),
            a.get_status_display(),
        )
        for a in latest
    ]
    # No extra queries on the person page (its query budget is fixed): the role decides whether
    # the link shows; the start page applies the person rule, and starting is done once.
    in_progress = any(a.status == "in-progress" for a in latest)
    if not in_progress and policy.decide(user, "assessments.contribute"):
        links.append(
            HubLink(
                "Start an assessment",
                reverse("assessments:start_for_person", args=[person.ref]),
                "Without a referral: new needs found at a review, or the person asked",
            )
        )
    return HubSection("Assessments", links, "No assessments.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)
from caretrust.ui import navigation  # noqa: E402

navigation.register(
    "Eligibility deciders", "assessments:deciders", "assessments.manage_deciders", order=81
)

hub.register("assessments", _hub_assessments, order=20)
