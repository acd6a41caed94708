"""Who may see and act on subscription deliveries: administrators (the dead-letter list)."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.ui import navigation

policy.register(
    "subscriptions.manage",
    "see FHIR subscription deliveries and retry or dismiss dead letters",
    {Role.ADMINISTRATOR},
)

# An API client (a GP system, a hospital's discharge team) subscribes to its own referrals' Tasks.
policy.register(
    "subscriptions.subscribe",
    "subscribe to the status of the referrals your organisation sent (FHIR API)",
    {Role.COORDINATOR, Role.ANALYST},
)

navigation.register("Subscriptions", "subscriptions:deliveries", "subscriptions.manage", order=82)
