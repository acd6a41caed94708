"""The person, and a carer the person has authorised, see the person's own plan, visits and who
looked at their record. Nobody else's."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Decision, Role


def own_record(user, person) -> Decision:
    from caretrust.portal.models import PersonPortalAccount

    account = PersonPortalAccount.objects.filter(user=user, revoked_at__isnull=True).first()
    if account is None:
        return Decision(False, "Your account is not linked to anyone's care record.", "denied")
    if account.person.survivor().pk != person.survivor().pk:
        return Decision(
            False,
            "You can only see your own care (or the care of the person who authorised you).",
            "denied",
        )
    if account.relationship == account.Relationship.CARER:
        return Decision(True, "The person has authorised you as their carer.", "object_rule")
    return Decision(True, "This is your own care record.", "object_rule")


policy.register(
    "portal.view_own_care",
    "see your own care plan, visits and record access",
    {Role.PERSON, Role.CARER},
    object_rule=own_record,
)
policy.register(
    "portal.authorise_carer",
    "authorise a carer to see a person's care",
    {Role.PERSON, Role.COORDINATOR},
)


# Acting for the person (not only seeing their care). The person acts for themselves; an attorney
# or deputy acts only within the scope of their authority and only for decisions the person
# lacks capacity to make (Mental Capacity Act 2005; capacity is decision-specific). A carer the
# person authorised to *see* their care gains no authority to decide by it.
def _acting_rule(category: str):
    def rule(user, person) -> Decision:
        from caretrust.capacity.selectors import authority_to_act
        from caretrust.portal.models import PersonPortalAccount

        own = PersonPortalAccount.objects.filter(
            user=user, relationship=PersonPortalAccount.Relationship.SELF, revoked_at__isnull=True
        ).first()
        if own is not None and own.person.survivor().pk == person.survivor().pk:
            return Decision(True, "This is your own care: you decide.", "object_rule")
        return authority_to_act(user, person.survivor(), category)

    return rule


policy.register(
    "portal.act_on_care_plan",
    "agree or change a care plan for the person (health and welfare)",
    {Role.PERSON, Role.CARER},
    object_rule=_acting_rule("care_plan"),
)
policy.register(
    "portal.act_on_money",
    "deal with money and letters about it for the person (property and financial affairs)",
    {Role.PERSON, Role.CARER},
    object_rule=_acting_rule("money"),
)
