"""Who may resolve the shared record's quarantine: resources about someone the importer could not
identify. The people who decide whether two records are one person (linkage reviewers) decide
whom such a resource is about, or that it is about nobody we hold."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.ui import navigation

DATA_QUALITY = {Role.COORDINATOR, Role.ADMINISTRATOR}

policy.register(
    "record.data_quality",
    "see and resolve records waiting in quarantine (their person is not known)",
    DATA_QUALITY,
)
navigation.register("Quarantine", "record:quarantine", "record.data_quality", order=85)
