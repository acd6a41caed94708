"""Who answers which survey and who reads the scorecard. A response is about the respondent's own
experience (no one else's record); results are published only as suppressed aggregates."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.ui import navigation

STAFF = {
    Role.COORDINATOR,
    Role.PRACTITIONER,
    Role.FINANCE_OFFICER,
    Role.ANALYST,
    Role.PRIVACY_OFFICER,
    Role.ADMINISTRATOR,
}
policy.register(
    "feedback.experience_survey",
    "answer the experience survey about one's own care and support",
    {Role.PERSON, Role.CARER},
)
policy.register("feedback.pulse_survey", "answer the staff integration pulse survey", STAFF)
policy.register(
    "feedback.scorecard", "read the partnership's scorecard of success measures", {Role.ANALYST}
)
navigation.register("Your say", "feedback:experience", "feedback.experience_survey", order=90)
navigation.register("Pulse survey", "feedback:pulse", "feedback.pulse_survey", order=95)
navigation.register("Scorecard", "feedback:scorecard", "feedback.scorecard", order=43)
