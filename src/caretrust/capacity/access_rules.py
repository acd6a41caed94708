"""Who may record and see capacity assessments, best-interests decisions and legal authorities:
anyone with a legitimate relationship with the person (their team), else break-glass to read."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role


def _person_rule(user, obj):
    return relationships.person_record_rule(user, getattr(obj, "person", obj))


policy.register(
    "capacity.view",
    "see capacity assessments and best-interests decisions",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=_person_rule,
    read_only=True,
)
policy.register(
    "capacity.assess",
    "record a capacity assessment",
    {Role.PRACTITIONER},
    object_rule=_person_rule,
)
policy.register(
    "capacity.best_interests",
    "record a best-interests decision",
    {Role.PRACTITIONER},
    object_rule=_person_rule,
)
policy.register(
    "capacity.record_authority",
    "record a lasting power of attorney or a deputy",
    {Role.PRACTITIONER, Role.COORDINATOR},
    object_rule=_person_rule,
)


def _hub_capacity(user, person):
    from django.urls import reverse

    from caretrust.capacity.models import BestInterestsDecision, CapacityAssessment, LegalAuthority
    from caretrust.record.hub import HubLink, HubSection

    # The person page has already decided the user may see this person's record; here only the
    # role is checked (no query per section). A link the user may not follow is refused on click.
    if not policy.decide(user, "capacity.view"):
        return None
    links = [
        HubLink(
            f"Capacity: {a.decision}",
            reverse("capacity:assessment", args=[a.uuid]),
            f"{'Lacks' if a.lacks_capacity else 'Has'} capacity, {a.assessed_on:%d %b %Y}",
        )
        for a in CapacityAssessment.objects.filter(person=person)[:5]
    ]
    links += [
        HubLink(
            f"Best interests: {d.decision}",
            reverse("capacity:best_interests", args=[d.uuid]),
            f"Decided {d.decided_on:%d %b %Y}",
        )
        for d in BestInterestsDecision.objects.filter(person=person)[:5]
    ]
    links += [
        HubLink(
            f"{a.holder_name}: {a.get_kind_display()}",
            reverse("capacity:authority", args=[a.uuid]),
            f"Registered {a.registered_on:%d %b %Y}, reference {a.reference}",
        )
        for a in LegalAuthority.objects.filter(person=person, ended_on__isnull=True)
    ]
    if policy.decide(user, "capacity.assess"):
        links.append(
            HubLink("Record a capacity assessment", reverse("capacity:new", args=[person.ref]))
        )
    if policy.decide(user, "capacity.best_interests"):
        links.append(
            HubLink(
                "Record a best-interests decision",
                reverse("capacity:new_best_interests", args=[person.ref]),
            )
        )
    if policy.decide(user, "capacity.record_authority"):
        links.append(
            HubLink(
                "Record a lasting power of attorney",
                reverse("capacity:new_authority", args=[person.ref]),
                "or a deputy appointed by the Court of Protection",
            )
        )
    return HubSection("Capacity and consent", links, "Nothing recorded.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("capacity", _hub_capacity, order=26)
