"""Who may raise, see and work on safeguarding records (ADR 83).

Raising a concern is everyone's business: any co-ordinator or practitioner with a legitimate
relationship with the person (the general record rule, never break-glass: raising is a write).

Seeing a safeguarding record is stricter than seeing the general record. Allowed only to:
- those with a role in it: who raised the concern, who made the s42 decision, who leads the
  enquiry, and members of the team responsible for it (the council's safeguarding team, named
  by the `DecisionTimescale` row when the concern was received);
- co-ordinators and practitioners with a *current care relationship* with the person: on the
  care team or the plan's named co-ordinator (`care_team`), an accepted referral routed or
  allocated to them or their team (`referral_routed`), or the person's GP practice
  (`gp_registration`).
Never through break-glass, and not through the other relationships that open the general
record: a co-ordinator triaging an open referral, a finance officer, an MDT discussion, or
assessing the person's carer (who may be the source of risk).
"""

from __future__ import annotations

from django.urls import reverse

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role

# The kinds of relationship (as registered by their areas) that count as a current care
# relationship for safeguarding records.
CARE_RELATIONSHIPS = ("care_team", "referral_routed", "gp_registration")
STAFF_IN_CARE = {Role.COORDINATOR, Role.PRACTITIONER}

_REFUSED = Decision(
    False,
    "Safeguarding records are seen only by those with a role in the enquiry (who raised it, who "
    "decided, the enquiry lead, the safeguarding team) and the person's current care team. "
    "Break-glass does not open them.",
    "denied",
)


def _team_ids(user) -> set[int]:
    from caretrust.referrals.selectors import user_team_ids

    return user_team_ids(user)


def role_in(user, concern) -> str | None:
    """The user's own part in this concern, or None."""
    if concern.raised_by_id == user.pk:
        return "you raised this concern"
    if concern.decided_by_id == user.pk:
        return "you made the s42 decision"
    enquiry = getattr(concern, "enquiry", None) if concern.status != "concern" else None
    if enquiry is not None and enquiry.lead_id == user.pk:
        return "you lead the enquiry"
    if concern.responsible_team_id and concern.responsible_team_id in _team_ids(user):
        return "you are in the team responsible for it"
    return None


def _concern_of(obj):
    from caretrust.safeguarding.models import Concern, Enquiry

    if isinstance(obj, Concern):
        return obj
    if isinstance(obj, Enquiry):
        return obj.concern
    return None


def view_rule(user, obj) -> Decision:
    concern = _concern_of(obj)
    if concern is None:
        return _REFUSED
    part = role_in(user, concern)
    if part:
        return Decision(True, f"You have a role in this safeguarding concern: {part}.", "role_in")
    care = relationships.relationship_of_kinds(user, concern.person, CARE_RELATIONSHIPS)
    if care:
        return Decision(True, f"A current care relationship: {care}.", "legitimate_relationship")
    return _REFUSED


def raise_rule(user, person) -> Decision:
    description = relationships.legitimate_relationship(user, person)
    if description:
        return Decision(True, f"Legitimate relationship: {description}.", "legitimate_relationship")
    return Decision(
        False,
        "You have no relationship with this person through your work. Tell the council's adult "
        "safeguarding team directly; if the person is in immediate danger, call 999.",
        "denied",
    )


def _in_responsible_team(user, obj) -> Decision:
    concern = _concern_of(obj)
    if concern is None or not concern.responsible_team_id:
        return Decision(False, "No safeguarding team is responsible for this concern.", "denied")
    if concern.responsible_team_id in _team_ids(user):
        return Decision(True, "You are in the team responsible for it.", "role_in")
    return Decision(
        False,
        f"Only the {concern.responsible_team.name} decides whether a concern meets section 42.",
        "denied",
    )


def _enquiry_rule(user, obj) -> Decision:
    concern = _concern_of(obj)
    enquiry = getattr(concern, "enquiry", None) if concern is not None else None
    if enquiry is not None and enquiry.lead_id == user.pk:
        return Decision(True, "You lead the enquiry.", "role_in")
    return _in_responsible_team(user, obj)


policy.register(
    "safeguarding.raise",
    "raise a safeguarding concern",
    STAFF_IN_CARE,
    object_rule=raise_rule,
)
policy.register(
    "safeguarding.view",
    "see safeguarding concerns and enquiries",
    STAFF_IN_CARE,
    object_rule=view_rule,
    read_only=True,
)
policy.register(
    "safeguarding.decide",
    "decide whether a safeguarding concern meets section 42",
    STAFF_IN_CARE,
    object_rule=_in_responsible_team,
)
policy.register(
    "safeguarding.enquire",
    "record a safeguarding enquiry, its plan and its outcome",
    STAFF_IN_CARE,
    object_rule=_enquiry_rule,
)
# The board's decision to hold a Safeguarding Adults Review (s44), recorded by the safeguarding
# team (its lead) or the enquiry lead (ADR 104).
policy.register(
    "safeguarding.review",
    "record a decision to hold a Safeguarding Adults Review",
    STAFF_IN_CARE,
    object_rule=_enquiry_rule,
)
# Figures only (counts for the council's return), never a person's record.
policy.register(
    "safeguarding.sac",
    "see the Safeguarding Adults Collection figures",
    {Role.ANALYST},
)


# --- the lower areas' registries -----------------------------------------------------------
def _raise_link(user, person, source: str, source_id) -> object:
    from caretrust.ui.related import RelatedLink

    if person is None or not policy.decide(user, "safeguarding.raise").allowed:
        return None
    href = reverse("safeguarding:raise", args=[person.ref])
    if source_id:
        href += f"?from={source}&id={source_id}"
    return RelatedLink("Raise a safeguarding concern", href, f"about {person.display_name}")


def _visit_link(user, visit):
    return _raise_link(user, visit.person, "visit", visit.uuid)


def _task_link(user, task):
    return _raise_link(user, task.person, "task", task.uuid)


def _referral_link(user, referral):
    if referral.person_id is None:
        return None
    return _raise_link(user, referral.person, "referral", referral.reference)


def _hub_section(user, person):
    from caretrust.record.hub import HubLink, HubSection
    from caretrust.safeguarding import selectors

    if not policy.decide(user, "safeguarding.raise").allowed:
        return None
    links = [
        HubLink(row.text, row.href, row.hint)
        for row in selectors.concerns_on_person_page(user, person)
    ]
    links.append(
        HubLink("Raise a safeguarding concern", reverse("safeguarding:raise", args=[person.ref]))
    )
    return HubSection("Safeguarding", links)


def _alert(user, person, basis: str) -> str | None:
    from caretrust.safeguarding import selectors

    if basis == policy.BREAK_GLASS or user.role not in STAFF_IN_CARE:
        return None
    return selectors.alert_text(person)


def _register() -> None:
    from caretrust.record import hub
    from caretrust.ui import navigation, related

    related.register("visit", "safeguarding", _visit_link)
    related.register("task", "safeguarding", _task_link)
    related.register("referral", "safeguarding", _referral_link)
    hub.register("safeguarding", _hub_section, order=15)
    hub.register_alert("safeguarding", _alert)
    navigation.register("Safeguarding", "safeguarding:index", "safeguarding.view", order=40)
    navigation.register(
        "Safeguarding Adults Collection", "safeguarding:sac", "safeguarding.sac", order=60
    )


_register()
