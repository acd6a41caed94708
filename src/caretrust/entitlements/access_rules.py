"""Who may record an entitlement: practitioners and co-ordinators with a legitimate relationship
with the person (writes are never opened by break-glass)."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role


def _person_rule(user, obj):
    return relationships.person_record_rule(user, getattr(obj, "person", obj))


CARE = {Role.COORDINATOR, Role.PRACTITIONER}
policy.register(
    "entitlements.view",
    "see a person's s117 and reablement entitlements",
    CARE,
    object_rule=_person_rule,
    read_only=True,
)
policy.register(
    "entitlements.record",
    "record s117 aftercare or a reablement episode",
    CARE,
    object_rule=_person_rule,
)


def _hub(user, person):
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection

    if not policy.decide(user, "entitlements.view", person):
        return None
    from caretrust.entitlements import selectors

    links = [
        HubLink(f"Section 117 aftercare from {e.start:%d %b %Y}", "", e.detention)
        for e in selectors.current_s117(person)
    ] + [
        HubLink(
            f"Reablement from {e.start:%d %b %Y}", "", f"until {e.end:%d %b %Y}" if e.end else ""
        )
        for e in selectors.current_reablement(person)
    ]
    links.append(
        HubLink(
            "Record s117 aftercare or reablement",
            reverse("entitlements:person", args=[person.ref]),
        )
    )
    return HubSection("Free care entitlements", links)


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("entitlements", _hub, order=35)
