from __future__ import annotations

from datetime import date

import pytest

from caretrust.chc import rules

TODAY = date(2026, 6, 15)


def checklist_levels(**levels: str) -> dict[str, str]:
    return {key: levels.get(key, "C") for key in rules.CHECKLIST_DOMAINS}


def dst_levels(**levels: str) -> dict[str, str]:
    return {key: levels.get(key, "no") for key in rules.DST_DOMAINS}


POSITIVE = checklist_levels(behaviour="A", cognition="A", mobility="B")
NEGATIVE = checklist_levels(mobility="A", nutrition="B")


@pytest.fixture
def today(settings):
    settings.CARETRUST_TODAY = TODAY.isoformat()
    return TODAY


@pytest.fixture
def person(user_for, today):
    """A person whose referral was routed to the Torquay team (the nurse's)."""
    from tests.factories import routed_referral

    return routed_referral().person


@pytest.fixture
def assessed(user_for, person, today):
    """A positive checklist received by the ICB and the DST done: awaiting the ICB."""
    from caretrust.chc import services

    nurse = user_for("nurse")
    case = services.record_checklist(
        actor=nurse, person=person, levels=POSITIVE, completed_on=date(2026, 6, 1)
    )
    return services.record_dst(
        actor=nurse,
        case=case,
        levels=dst_levels(behaviour="priority", cognition="severe"),
        mdt="Priya Shah, community nurse\nGrace Okafor, social worker",
        recommendation="eligible",
        rationale="Unpredictable challenging behaviour needing skilled intervention.",
        completed_on=TODAY,
    )


@pytest.fixture
def decide(user_for):
    from caretrust.chc import services

    def decide(case, decision="eligible", on=TODAY):
        return services.decide(
            actor=user_for("chc"),
            case=case,
            decision=decision,
            reasons="Primary health need: the nature and unpredictability of the needs.",
            decider_role="ICB CHC clinical lead",
            decided_on=on,
        )

    return decide
