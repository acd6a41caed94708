"""Demo only: the demo council's adult safeguarding team receives concerns (the timescale row
names it). Idempotent."""

from __future__ import annotations

from caretrust.organisations.models import Team
from caretrust.safeguarding.models import DecisionTimescale


def load_demo_safeguarding() -> None:
    team = Team.objects.filter(code="council-safeguarding").first()
    rule = DecisionTimescale.objects.order_by("-effective_from", "-id").first()
    if team is None or rule is None or rule.team_id == team.pk:
        return
    rule.team = team
    rule.note = (rule.note + " Demo: Bayside Council's adult safeguarding team decides.")[:300]
    rule.save(update_fields=["team", "note"])
