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
