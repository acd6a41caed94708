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
