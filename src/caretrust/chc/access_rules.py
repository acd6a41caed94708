"""Who may see and record NHS Continuing Healthcare: the care team (practitioners and
co-ordinators with a legitimate relationship) completes checklists, assessments and Fast Track
referrals; only staff of an integrated care board (ICB) decide eligibility (pathways.md §3: "only
an ICB decision funds CHC"). ICB staff have a relationship with the people the ICB has a CHC case
for (the case is referred to them)."""

from __future__ import annotations

from django.db.models import Q

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role


def _person(obj):
    return getattr(obj, "person", obj)


def _person_rule(user, obj):
    return relationships.person_record_rule(user, _person(obj))


def works_for_an_icb(user) -> bool:
    from caretrust.organisations.models import Organisation

    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.kind == Organisation.Kind.ICB


def _icb_rule(user, obj):
    if not works_for_an_icb(user):
        return Decision(
            False,
            "Only the integrated care board (ICB) decides NHS Continuing Healthcare eligibility.",
            "denied",
        )
    return _person_rule(user, obj)


CARE = {Role.COORDINATOR, Role.PRACTITIONER}
policy.register(
    "chc.view", "see a person's NHS Continuing Healthcare", CARE, _person_rule, read_only=True
)
policy.register(
    "chc.record",
    "complete a CHC checklist, assessment (DST), Fast Track, review or funded nursing care",
    CARE,
    _person_rule,
)
policy.register("chc.decide", "decide NHS Continuing Healthcare eligibility (ICB)", CARE, _icb_rule)
policy.register(
    "chc.worklist", "see open NHS Continuing Healthcare cases and the 28-day clock", CARE
)


def _icb_case(user, person) -> str | None:
    if works_for_an_icb(user) and person.chc_cases.exists():
        return "an NHS Continuing Healthcare case referred to your ICB"
    return None


def _icb_case_filter(user):
    if not works_for_an_icb(user):
        return None
    from caretrust.chc.models import ChcCase

    return Q(pk__in=ChcCase.objects.values("person_id"))


relationships.register_provider("chc_icb", _icb_case, _icb_case_filter)


def _hub(user, person):
    """A link only (the person page's query budget is fixed)."""
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection

    if not policy.decide(user, "chc.view"):
        return None
    return HubSection(
        "NHS Continuing Healthcare",
        [
            HubLink(
                "NHS Continuing Healthcare",
                reverse("chc:person", args=[person.ref]),
                "Checklist, assessment, the ICB's decision, reviews, funded nursing care",
            )
        ],
    )


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("chc", _hub, order=36)
