"""CHC cases as plain values for templates: the 28-day clock, the review due, the levels."""

from __future__ import annotations

from datetime import date

from caretrust.chc import rules
from caretrust.chc.models import ChcCase


def case_summary(case: ChcCase, today: date) -> dict:
    state = (
        rules.clock_state(case.received_at, case.decided_on, today) if case.received_at else None
    )
    pending = next((r for r in case.reviews.all() if r.done_on is None), None)
    if state is None:
        clock_text = "No clock: the checklist was negative"
    elif state.stopped:
        clock_text = (
            f"Decided {state.days} days after the ICB received the referral on "
            f"{state.started_on:%d %B %Y}" + (" (over 28 days)" if state.breached else "")
        )
    else:
        clock_text = (
            f"Day {state.days} of {rules.CLOCK_DAYS}: the ICB received it on "
            f"{state.started_on:%d %B %Y}; decision due by {state.due_by:%d %B %Y}"
            + (f" (overdue by {state.days - rules.CLOCK_DAYS} days)" if state.breached else "")
        )
    return {
        "case": case,
        "status": case.get_status_display(),
        "clock": state,
        "clock_text": clock_text,
        "review_due": pending.due_on if pending else None,
        "review_overdue": bool(pending and pending.due_on < today),
    }


def checklist_rows(case: ChcCase) -> list[dict]:
    return [
        {"key": {"text": name}, "value": {"text": case.checklist_levels.get(key, "")}}
        for key, name in rules.CHECKLIST_DOMAINS.items()
        if case.checklist_levels
    ]


def dst_rows(case: ChcCase) -> list[dict]:
    return [
        {
            "key": {"text": name},
            "value": {"text": rules.LEVEL_NAMES.get(case.dst_levels.get(key, ""), "")},
        }
        for key, (name, _) in rules.DST_DOMAINS.items()
        if case.dst_levels
    ]


def indication_text(case: ChcCase) -> str:
    return rules.RECOMMENDATIONS.get(case.dst_indication, "")
