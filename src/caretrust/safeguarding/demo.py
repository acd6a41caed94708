"""Demo only: the demo council's adult safeguarding team receives concerns. The council adds
its own timescale row naming the team (the newest row in force wins), rather than changing the
shipped default: the default stays as shipped, and the demo's rows are only added rows (which is
what the test suite's copy of the demo directory keeps, ADR 89). Idempotent."""

from __future__ import annotations

from datetime import date

from caretrust.organisations.models import Team
from caretrust.safeguarding.models import DecisionTimescale


def load_demo_safeguarding() -> None:
    team = Team.objects.filter(code="council-safeguarding").first()
    default = DecisionTimescale.objects.order_by("-effective_from", "-id").first()
    if team is None or (default is not None and default.team_id == team.pk):
        return
    if default is None:  # the shipped row is gone (a flushed test database): its values
        default = DecisionTimescale.current()
    DecisionTimescale.objects.create(
        days=default.days,
        counting=default.counting,
        non_working_days=default.non_working_days,
        effective_from=default.effective_from if default.pk else date(2000, 1, 1),
        team=team,
        note=(default.note + " Demo: Bayside Council's adult safeguarding team decides.")[:300],
    )
