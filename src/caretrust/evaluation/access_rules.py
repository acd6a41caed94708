"""Who runs evaluations: commissioners and analysts (one role). Evaluations are aggregate figures
about places (no person is shown), so every analyst sees every saved evaluation."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.ui import navigation

policy.register(
    "evaluation.run",
    "run and read evaluations of integration",
    {Role.ANALYST},
)
navigation.register("Evaluation", "evaluation:index", "evaluation.run", order=42)
