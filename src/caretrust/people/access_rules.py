"""Who may see and change a person's record, and the relationship the people index itself knows:
registration at the user's GP practice."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role

# Roles that give or arrange direct care see a record only with a legitimate relationship or
# break-glass. Analysts never see identifiable records (they use pseudonymised extracts).
DIRECT_CARE = {Role.COORDINATOR, Role.PRACTITIONER, Role.FINANCE_OFFICER}

policy.register(
    "people.view_record",
    "see a person's record",
    DIRECT_CARE,
    object_rule=relationships.person_record_rule,
    read_only=True,
)
policy.register(
    "people.edit_record",
    "change a person's record",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=relationships.person_record_rule,
)
policy.register(
    "people.break_glass", "use break-glass to see a record", {Role.COORDINATOR, Role.PRACTITIONER}
)
policy.register("people.find", "search the people index", DIRECT_CARE | {Role.ADMINISTRATOR})
# Those who decide whether two records are one person also undo that decision when it was wrong.
LINKAGE_REVIEWERS = {Role.COORDINATOR, Role.ADMINISTRATOR}
policy.register("people.review_links", "review possible matches between records", LINKAGE_REVIEWERS)
policy.register("people.merge", "merge people's records", LINKAGE_REVIEWERS)
policy.register(
    "people.unmerge",
    "see the merges of people's records and undo one (two people wrongly joined)",
    LINKAGE_REVIEWERS,
)
policy.register(
    "people.register",
    "add a person to the people index",
    {Role.COORDINATOR, Role.PRACTITIONER, Role.ADMINISTRATOR},
)


def _may_correct_demographics(user, person) -> policy.Decision:
    """The person's named co-ordinator or allocated worker, or a co-ordinator with a legitimate
    relationship; never under break-glass (a correction is a write)."""
    from django.db.models import Q

    from caretrust.access.policy import Decision
    from caretrust.people.models import Person

    if user.role != Role.COORDINATOR:
        # One query: the allocated worker (who stays the person's worker after the referral's
        # episode completes, the plan going on) or the named co-ordinator of the current plan.
        named = Person.objects.filter(pk=person.pk).filter(
            Q(
                referrals__allocated_to=user,
                referrals__status__in=REFERRAL_STATUSES_THAT_COUNT,
            )
            | Q(care_plans__coordinator=user, care_plans__status__in=["draft", "active"])
        )
        if not named.exists():
            return _NOT_YOURS
    # Always within a legitimate relationship (which ends when the care does).
    if not relationships.legitimate_relationship(user, person):
        return Decision(False, "You have no relationship with this person.", "denied")
    if user.role == Role.COORDINATOR:
        return Decision(True, "a co-ordinator with a relationship to the person", "object_rule")
    return Decision(True, "the person's allocated worker or named co-ordinator", "object_rule")


# Referrals that made someone the allocated worker: not withdrawn, refused or entered in error.
REFERRAL_STATUSES_THAT_COUNT = (
    "accepted",
    "in-progress",
    "on-hold",
    "completed",
)
_NOT_YOURS = policy.Decision(
    False,
    "Only the person's named co-ordinator, their allocated worker or a co-ordinator caring "
    "for them can correct their details.",
    "denied",
)


policy.register(
    "people.correct_demographics",
    "correct a person's name, date of birth, sex, ethnic group, address or phone number",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=_may_correct_demographics,
)
policy.register("access.review_break_glass", "review break-glass access", {Role.PRIVACY_OFFICER})


def registered_at_users_practice(user, person) -> str | None:
    if person.gp_practice_id and person.gp_practice_id == user.organisation_id:
        return "registered at your GP practice"
    return None


def registered_at_users_practice_filter(user):
    from django.db.models import Q

    return Q(gp_practice_id=user.organisation_id) if user.organisation_id else None


relationships.register_provider(
    "gp_registration", registered_at_users_practice, registered_at_users_practice_filter
)


def _register_navigation() -> None:
    from caretrust.ui import navigation

    navigation.register("People", "record:search", "people.find", order=5)
    navigation.register("Linkage review", "people:link_queue", "people.review_links", order=80)


_register_navigation()
