"""CHC cases through the services: checklist → DST → ICB decision, Fast Track, reviews, funded
nursing care; each write authorised and audited; states only along the table (pathways.md §3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access.models import AuditEvent
from caretrust.chc import selectors, services
from caretrust.chc.models import ChcCase
from caretrust.statemachine import InvalidTransition

from .conftest import NEGATIVE, POSITIVE, TODAY, dst_levels


def _audited(case, **details) -> bool:
    rows = AuditEvent.objects.filter(object_type="chc.chccase", object_id=str(case.pk))
    return any(all(row.details.get(k) == v for k, v in details.items()) for row in rows)


def test_a_positive_checklist_opens_a_case_and_starts_the_clock(user_for, person, today) -> None:
    case = services.record_checklist(
        actor=user_for("nurse"), person=person, levels=POSITIVE, completed_on=today
    )
    assert case.status == "awaiting_dst"
    assert case.checklist_positive and "two or more" in case.checklist_reason
    assert selectors.rules.clock_state(case.received_at, None, today).days == 0
    assert _audited(case, status={"from": None, "to": "awaiting_dst"}, checklist="positive")


def test_a_negative_checklist_is_kept_and_closes(user_for, person, today) -> None:
    case = services.record_checklist(
        actor=user_for("nurse"), person=person, levels=NEGATIVE, completed_on=today
    )
    assert case.status == "negative" and case.received_at is None
    with pytest.raises(InvalidTransition):
        services.record_dst(
            actor=user_for("nurse"),
            case=case,
            levels=dst_levels(),
            mdt="a\nb",
            recommendation="eligible",
            rationale="x",
            completed_on=today,
        )


def test_bad_checklists_change_nothing(user_for, person, today) -> None:
    nurse = user_for("nurse")
    with pytest.raises(ValidationError, match="Score every checklist domain"):
        services.record_checklist(
            actor=nurse, person=person, levels={"mobility": "A"}, completed_on=today
        )
    with pytest.raises(ValidationError, match="future"):
        services.record_checklist(
            actor=nurse, person=person, levels=POSITIVE, completed_on=today + timedelta(days=1)
        )
    services.record_checklist(actor=nurse, person=person, levels=POSITIVE, completed_on=today)
    with pytest.raises(ValidationError, match="already has an open"):
        services.record_checklist(actor=nurse, person=person, levels=POSITIVE, completed_on=today)
    assert ChcCase.objects.filter(person=person).count() == 1


def test_the_dst_needs_an_mdt_of_two_and_every_domain(user_for, person, today) -> None:
    nurse = user_for("nurse")
    case = services.record_checklist(
        actor=nurse, person=person, levels=POSITIVE, completed_on=today
    )
    with pytest.raises(ValidationError) as problem:
        services.record_dst(
            actor=nurse,
            case=case,
            levels={"breathing": "no"},
            mdt="Only me",
            recommendation="eligible",
            rationale="",
            completed_on=today,
        )
    assert set(problem.value.message_dict) == {"levels", "mdt", "rationale"}
    case.refresh_from_db()
    assert case.status == "awaiting_dst"


def test_only_the_icb_decides_and_the_decision_is_audited(
    user_for, assessed, decide, today
) -> None:
    assert assessed.status == "awaiting_decision"
    assert assessed.dst_indication == "expected"
    with pytest.raises(PermissionDenied):
        services.decide(
            actor=user_for("socialworker"),
            case=assessed,
            decision="eligible",
            reasons="r",
            decider_role="r",
            decided_on=today,
        )
    case = decide(assessed)
    assert (case.status, case.decided_by.username) == ("eligible", "chc")
    assert case.reviews.get().due_on == date(2026, 9, 15)  # three months on
    # 1 June checklist, ICB received it 15 June (today): decided the same day, day 0.
    assert _audited(case, status={"from": "awaiting_decision", "to": "eligible"}, days=0)
    with pytest.raises(InvalidTransition):
        decide(case, "not_eligible")


def test_the_icb_sees_the_person_only_once_a_case_exists(user_for, person, today) -> None:
    from caretrust.access import relationships

    icb = user_for("chc")
    assert not relationships.legitimate_relationship(icb, person)
    services.record_checklist(
        actor=user_for("nurse"), person=person, levels=POSITIVE, completed_on=today
    )
    assert relationships.legitimate_relationship(icb, person)
    assert person.pk in relationships.visible_person_ids(icb)


def test_a_stranger_can_neither_read_nor_write(user_for, assessed, today) -> None:
    from caretrust.organisations.models import User

    stranger = User.objects.create_user(
        username="elsewhere",
        role="practitioner",
        profession="social_worker",
        password="x-long-password-1",
    )
    with pytest.raises(PermissionDenied):
        selectors.person_chc(stranger, assessed.person)
    with pytest.raises(PermissionDenied):
        services.record_checklist(
            actor=stranger, person=assessed.person, levels=POSITIVE, completed_on=today
        )


def test_fast_track_goes_to_the_icb_without_checklist_or_dst(user_for, person, decide, today):
    case = services.refer_fast_track(
        actor=user_for("nurse"),
        person=person,
        clinician="Priya Shah, community nurse",
        reason="Rapid deterioration; may be entering a terminal phase.",
    )
    assert (case.status, case.route) == ("fast_track", "fast_track")
    assert decide(case).status == "eligible"


def test_reviews_then_ending_eligibility(user_for, assessed, decide, today, settings) -> None:
    case = decide(assessed)
    review = case.reviews.get()
    settings.CARETRUST_TODAY = "2026-09-10"
    services.record_review(
        actor=user_for("nurse"),
        review=review,
        done_on=date(2026, 9, 10),
        outcome="continues",
        notes="Needs unchanged.",
    )
    pending = case.reviews.get(done_on__isnull=True)
    assert pending.due_on == date(2027, 9, 10)  # then at least yearly
    settings.CARETRUST_TODAY = "2027-03-01"
    services.record_review(
        actor=user_for("nurse"),
        review=pending,
        done_on=date(2027, 3, 1),
        outcome="ended",
        notes="Needs now met by social care.",
    )
    case.refresh_from_db()
    assert case.status == "ended"
    assert not case.reviews.filter(done_on__isnull=True).exists()


def test_funded_nursing_care_needs_a_not_eligible_decision_first(
    user_for, assessed, decide, person, today
) -> None:
    nurse = user_for("nurse")
    with pytest.raises(ValidationError, match="consider NHS Continuing Healthcare before FNC"):
        services.record_fnc(actor=nurse, person=person, nursing_home="Sea View", start=today)
    decide(assessed, "not_eligible")
    fnc = services.record_fnc(actor=nurse, person=person, nursing_home="Sea View", start=today)
    assert fnc.weekly_rate == selectors.rules.fnc_rate(today)[0]
    assert "2026 to 2027" in fnc.rate_source


def test_the_worklist_shows_days_elapsed_and_breaches(user_for, person, today) -> None:
    from datetime import datetime, time

    from caretrust import clock

    services.record_checklist(
        actor=user_for("nurse"),
        person=person,
        levels=POSITIVE,
        completed_on=date(2026, 5, 1),
        received_at=datetime.combine(date(2026, 5, 5), time(10), tzinfo=clock.LONDON),
    )
    rows, due = selectors.worklist(user_for("chc"), today)
    assert due == []  # nothing decided, so no review
    assert [(r.case.person_id, r.clock.days, r.clock.breached) for r in rows] == [
        (person.pk, 41, True)
    ]
    report = selectors.clock_report(user_for("chc"), date(2026, 4, 1), today, today)
    assert (report.decided, report.open_over_28_days) == (0, 1)
    assert AuditEvent.objects.filter(object_type="chc.worklist", person_ref=person.audit_ref)


def test_the_28_day_report_counts_decisions_within_and_over(
    user_for, person, decide, today
) -> None:
    from datetime import datetime, time

    from caretrust import clock

    case = services.record_checklist(
        actor=user_for("nurse"),
        person=person,
        levels=POSITIVE,
        completed_on=date(2026, 5, 1),
        received_at=datetime.combine(date(2026, 5, 1), time(9), tzinfo=clock.LONDON),
    )
    case = services.record_dst(
        actor=user_for("nurse"),
        case=case,
        levels=dst_levels(cognition="severe", mobility="high"),
        mdt="Priya Shah, nurse\nGrace Okafor, social worker",
        recommendation="eligible",
        rationale="One severe need with high mobility needs: unpredictable.",
        completed_on=date(2026, 5, 20),
    )
    decide(case, on=date(2026, 5, 30))  # day 29
    report = selectors.clock_report(user_for("chc"), date(2026, 4, 1), TODAY, TODAY)
    assert (report.decided, report.within_28_days, report.over_28_days) == (1, 0, 1)
