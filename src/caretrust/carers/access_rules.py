"""Who may see and work on a carer's record and assessment: the carer's assessor, or anyone with
a legitimate relationship with the person cared for (their team), else break-glass to read."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role


def _carer_of(obj):
    from caretrust.carers.models import Carer, CarersAssessment, CarerSupportPlan

    if isinstance(obj, Carer):
        return obj
    if isinstance(obj, CarersAssessment):
        return obj.carer
    if isinstance(obj, CarerSupportPlan):
        return obj.assessment.carer
    return None


def carer_rule(user, obj) -> Decision:
    carer = _carer_of(obj)
    if carer is None:  # a person: adding a carer to their record
        return relationships.person_record_rule(user, obj)
    if carer.pk and carer.assessments.filter(assessor=user).exists():
        return Decision(True, "You are the carer's assessor.", "legitimate_relationship")
    return relationships.person_record_rule(user, carer.person)


policy.register(
    "carers.view",
    "see a carer's record and assessment",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=carer_rule,
    read_only=True,
)
policy.register(
    "carers.record",
    "record a person's carer",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=carer_rule,
)
policy.register(
    "carers.assess",
    "carry out a carer's assessment",
    {Role.PRACTITIONER},
    object_rule=carer_rule,
)


# Who decides is council policy (Care Act s13, delegable under s79; pathways.md §5), held as data
# in the assessments area's `EligibilityDecider` (by default social workers and occupational
# therapists): the same rule for a carer's eligibility as for the adult's.
def _decider_rule(user, obj) -> Decision:
    from caretrust.assessments.models import EligibilityDecider

    if not EligibilityDecider.allows(user):
        return Decision(
            False,
            "Your council's policy does not let you decide a carer's eligibility: ask a "
            "social worker or an occupational therapist.",
            "denied",
        )
    return carer_rule(user, obj)


policy.register(
    "carers.decide",
    "decide a carer's eligibility",
    {Role.PRACTITIONER},
    object_rule=_decider_rule,
)
policy.register(
    "carers.agree_plan",
    "agree a carer's support plan",
    {Role.PRACTITIONER, Role.COORDINATOR},
    object_rule=carer_rule,
)


def _assessing_this_carer(user, person) -> str | None:
    from caretrust.carers.models import CarersAssessment

    if CarersAssessment.objects.filter(assessor=user, carer__carer_person=person).exists():
        return "you are assessing them as a carer"
    return None


def _assessing_filter(user):
    from django.db.models import Q

    return Q(caring_for__assessments__assessor=user)


relationships.register_provider("carer_assessor", _assessing_this_carer, _assessing_filter)


def _hub_carers(user, person):
    from django.urls import reverse

    from caretrust.carers.selectors import carers_of
    from caretrust.record.hub import HubLink, HubSection

    # The person page has already decided the user may see this person's record; here only the
    # role is checked (no query per section). A link the user may not follow is refused on click.
    if not policy.decide(user, "carers.view"):
        return None
    links = [HubLink(row.text, row.href, row.hint) for row in carers_of(person, viewer=user)]
    if policy.decide(user, "carers.record"):
        links.append(HubLink("Add a carer", reverse("carers:new", args=[person.ref])))
    return HubSection("Carers", links, "No carers recorded.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("carers", _hub_carers, order=25)
