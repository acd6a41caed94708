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
    """A link only (the person page's query budget is fixed): the page lists what is recorded."""
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection

    if not policy.decide(user, "entitlements.view"):
        return None
    return HubSection(
        "Free care entitlements",
        [
            HubLink(
                "Section 117 aftercare and reablement",
                reverse("entitlements:person", args=[person.ref]),
                "The records a free plan line needs behind it",
            )
        ],
    )


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("entitlements", _hub, order=35)
