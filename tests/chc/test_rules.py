"""The CHC decision rules as worked cases, each citing its source: pathways.md §3 (National
Framework for NHS Continuing Healthcare, July 2022; Checklist and DST 2022, source [C])."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from caretrust.chc import rules
from caretrust.chc.states import TRANSITIONS
from caretrust.statemachine import InvalidTransition


def checklist(**levels: str) -> dict[str, str]:
    return {key: levels.get(key, "C") for key in rules.CHECKLIST_DOMAINS}


# --- Checklist threshold (pathways.md §3 "checklist"; worked cases table) ---------------------


def test_worked_case_one_a_not_in_a_priority_domain_and_three_b_is_negative() -> None:
    """pathways.md "Worked cases": checklist 1 A (not a Priority domain) + 3 B → negative."""
    result = rules.checklist_result(
        checklist(mobility="A", nutrition="B", continence="B", skin="B")
    )
    assert not result.positive
    assert (result.a_count, result.b_count) == (1, 3)


@pytest.mark.parametrize(
    ("levels", "why"),
    [
        ({"mobility": "A", "cognition": "A"}, "two or more"),  # ≥2 A
        ({k: "B" for k in ("nutrition", "continence", "skin", "mobility", "cognition")}, "five"),
        (
            {"mobility": "A", "nutrition": "B", "continence": "B", "skin": "B", "cognition": "B"},
            "one A",
        ),
        ({"behaviour": "A"}, "Priority"),  # an A in a domain with a DST Priority level
        ({"altered_states": "A"}, "Priority"),
    ],
)
def test_the_checklist_is_positive_on_each_limb_of_the_threshold(levels, why) -> None:
    result = rules.checklist_result(checklist(**levels))
    assert result.positive
    assert why in result.reason


def test_four_b_alone_is_negative() -> None:
    assert not rules.checklist_result(
        checklist(nutrition="B", continence="B", skin="B", mobility="B")
    ).positive


def test_an_unscored_domain_is_an_error_never_c() -> None:
    levels = checklist(mobility="A")
    del levels["cognition"]
    with pytest.raises(ValueError, match="Cognition"):
        rules.checklist_result(levels)
    with pytest.raises(ValueError, match="A, B or C"):
        rules.checklist_result({**checklist(), "mobility": "D"})


# --- DST recommendation (pathways.md §3 "DST") ------------------------------------------------


def dst(**levels: str) -> dict[str, str]:
    return {key: levels.get(key, "no") for key in rules.DST_DOMAINS}


def test_one_priority_need_means_eligibility_is_expected() -> None:
    """pathways.md §3: eligibility expected with ≥1 Priority."""
    assert rules.dst_result(dst(behaviour="priority")).recommendation == rules.EXPECTED


def test_two_severe_needs_mean_eligibility_is_expected() -> None:
    """pathways.md §3: eligibility expected with ≥2 Severe."""
    result = rules.dst_result(dst(cognition="severe", mobility="severe", continence="high"))
    assert result.recommendation == rules.EXPECTED
    assert result.severe == 2


def test_one_severe_with_other_needs_is_possible_not_expected() -> None:
    """pathways.md §3: "possible (1 Severe + other needs, many High/Moderate)": the MDT weighs
    nature, intensity, complexity and unpredictability."""
    assert rules.dst_result(dst(cognition="severe", mobility="high")).recommendation == (
        rules.POSSIBLE
    )
    assert rules.dst_result(dst(skin="high", nutrition="high")).recommendation == rules.POSSIBLE


def test_low_needs_alone_do_not_indicate_eligibility() -> None:
    assert rules.dst_result(dst(mobility="low", continence="moderate")).recommendation == (
        rules.NOT_INDICATED
    )


def test_a_level_a_domain_does_not_have_is_refused() -> None:
    """Not every level exists in every domain (DST 2022): continence stops at High, Priority is
    only in breathing, behaviour, drug therapies and altered states."""
    with pytest.raises(ValueError, match="Continence has no 'Severe'"):
        rules.dst_result(dst(continence="severe"))
    with pytest.raises(ValueError, match="Mobility has no 'Priority'"):
        rules.dst_result(dst(mobility="priority"))
    with pytest.raises(ValueError, match="every DST domain"):
        rules.dst_result({"breathing": "no"})


def test_the_dst_has_twelve_domains_and_the_checklist_eleven() -> None:
    assert len(rules.DST_DOMAINS) == 12
    assert len(rules.CHECKLIST_DOMAINS) == 11
    assert {k for k, (_, lv) in rules.DST_DOMAINS.items() if "priority" in lv} == set(
        rules.PRIORITY_DOMAINS
    )


# --- The 28-day clock (pathways.md §3 "28 days"; calendar days, Europe/London) ----------------


def test_a_decision_on_day_28_is_within_and_day_29_is_over() -> None:
    received = date(2026, 3, 2)
    on_time = rules.clock_state(received, date(2026, 3, 30), date(2026, 4, 30))
    late = rules.clock_state(received, date(2026, 3, 31), date(2026, 4, 30))
    assert (on_time.days, on_time.breached, on_time.due_by) == (28, False, date(2026, 3, 30))
    assert (late.days, late.breached) == (29, True)


def test_the_clock_across_the_change_from_bst_to_gmt_counts_london_calendar_days() -> None:
    """The clocks go back at 02:00 BST on Sunday 25 October 2026. The ICB receives a positive
    checklist at 23:30 UTC on Saturday 24 October, which is 00:30 on Sunday 25 October in London:
    day 0 is 25 October, so the decision is due by 22 November (28 calendar days) and a decision
    on 23 November is over. Counting UTC dates, or 24-hour periods across the 25-hour day, would
    give one day more."""
    received = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    state = rules.clock_state(received, date(2026, 11, 22), date(2026, 12, 1))
    assert state.started_on == date(2026, 10, 25)
    assert state.due_by == date(2026, 11, 22)
    assert (state.days, state.breached) == (28, False)
    assert rules.clock_state(received, date(2026, 11, 23), date(2026, 12, 1)).breached
    # While open, today counts: on 22 November it is day 28, on 23 November day 29.
    assert rules.clock_state(received, None, date(2026, 11, 22)).days == 28
    assert rules.clock_state(received, None, date(2026, 11, 23)).breached


# --- Reviews and funded nursing care -----------------------------------------------------------


def test_reviews_fall_three_months_after_the_decision_then_yearly() -> None:
    """pathways.md §3 "review": 3 months after the decision, then at least yearly."""
    assert rules.first_review_due(date(2025, 11, 30)) == date(2026, 2, 28)
    assert rules.next_review_due(date(2026, 2, 20)) == date(2027, 2, 20)


def test_the_fnc_rate_is_data_with_its_source() -> None:
    """charging.md figures: £235.88 (2024/25), £254.06 (2025/26), £267.68 (2026/27, C2)."""
    assert rules.fnc_rate(date(2025, 3, 31))[0] == Decimal("235.88")
    rate, source = rules.fnc_rate(date(2025, 4, 1))
    assert rate == Decimal("254.06") and "2025 to 2026" in source
    assert rules.fnc_rate(date(2026, 4, 1), "higher")[0] == Decimal("368.24")
    with pytest.raises(ValueError, match="No NHS-funded nursing care rate"):
        rules.fnc_rate(date(2020, 1, 1))


# --- The case's state machine ------------------------------------------------------------------


def test_a_case_moves_only_along_its_transitions() -> None:
    TRANSITIONS.check("awaiting_dst", "awaiting_decision")
    TRANSITIONS.check("awaiting_decision", "eligible")
    TRANSITIONS.check("fast_track", "eligible")  # Fast Track: no DST
    TRANSITIONS.check("eligible", "ended")
    with pytest.raises(InvalidTransition):
        TRANSITIONS.check("awaiting_dst", "eligible")  # a positive checklist is not eligibility
    with pytest.raises(InvalidTransition):
        TRANSITIONS.check("negative", "awaiting_dst")
    with pytest.raises(InvalidTransition):
        TRANSITIONS.check("not_eligible", "eligible")
    for final in ("negative", "not_eligible", "ended", "withdrawn"):
        assert TRANSITIONS.final(final)
