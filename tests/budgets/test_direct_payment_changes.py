"""Changing and ending a direct payment (ADR 105): the schedule's arithmetic on hand-worked cases,
then the services as the finance officer and the social worker use them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access.models import AuditEvent
from caretrust.budgets import arithmetic, selectors, services
from caretrust.budgets.arithmetic import Terms
from caretrust.budgets.models import DirectPaymentAgreement, Mechanism
from caretrust.funding.planning import plan_charges
from tests.budgets.test_budgets import _assess, _home_care, agreed_plan  # noqa: F401

OLD = Terms(date(2026, 11, 2), 4, Decimal("187.61"), Decimal("10.00"))


def test_a_change_settles_the_days_already_paid_in_advance_by_an_adjustment() -> None:
    # £187.61 a week every 4 weeks from 2 Nov 2026: £750.44 on 2 Nov (to 29 Nov) and 30 Nov (to
    # 27 Dec). From Mon 14 Dec: £200.00 a week every 2 weeks. 14..27 Dec (14 days) were paid at
    # £187.61: adjustment (200.00 − 187.61) × 14 ÷ 7 = £24.78 on 14 Dec; £400.00 from 28 Dec.
    new = Terms(date(2026, 12, 14), 2, Decimal("200.00"), Decimal("14.00"))
    schedule = arithmetic.terms_schedule(terms=[OLD, new], until=date(2027, 1, 15), end=None)
    assert [(p.due, p.amount, p.kind) for p in schedule] == [
        (date(2026, 11, 2), Decimal("750.44"), "payment"),
        (date(2026, 11, 30), Decimal("750.44"), "payment"),
        (date(2026, 12, 14), Decimal("24.78"), "adjustment"),
        (date(2026, 12, 28), Decimal("400.00"), "payment"),
        (date(2027, 1, 11), Decimal("400.00"), "payment"),
    ]
    # A decrease is a negative adjustment: (150.00 − 187.61) × 2 = −£75.22.
    lower = Terms(date(2026, 12, 14), 4, Decimal("150.00"))
    schedule = arithmetic.terms_schedule(terms=[OLD, lower], until=date(2026, 12, 31), end=None)
    assert [(p.due, p.amount) for p in schedule][2:] == [
        (date(2026, 12, 14), Decimal("-75.22")),
        (date(2026, 12, 28), Decimal("600.00")),
    ]
    # On a payment date there is nothing to settle: the new payment is made that day.
    on_the_day = Terms(date(2026, 11, 30), 1, Decimal("200.00"))
    schedule = arithmetic.terms_schedule(terms=[OLD, on_the_day], until=date(2026, 12, 7), end=None)
    assert [(p.due, p.amount) for p in schedule] == [
        (date(2026, 11, 2), Decimal("750.44")),
        (date(2026, 11, 30), Decimal("200.00")),
        (date(2026, 12, 7), Decimal("200.00")),
    ]
    # The person's part, a seventh a day: 8..13 Dec 6 × £10/7 + 14..20 Dec 7 × £14/7 = £22.57.
    assert arithmetic.contributions_between(
        [OLD, new], date(2026, 12, 8), date(2026, 12, 20)
    ) == Decimal("22.57")


def test_an_ended_direct_payment_pays_nothing_after_its_last_day() -> None:
    # Ended on Wed 20 Jan 2027: the 11 Jan payment (to 24 Jan) is the last; 21..24 Jan, 4 days at
    # £200.00 a week = £114.29, was paid in advance for days after the end.
    new = Terms(date(2026, 12, 14), 2, Decimal("200.00"))
    schedule = arithmetic.terms_schedule(
        terms=[OLD, new], until=date(2027, 3, 1), end=date(2027, 1, 20)
    )
    assert schedule[-1].due == date(2027, 1, 11)
    assert arithmetic.paid_after_end([OLD, new], schedule, date(2027, 1, 20)) == Decimal("114.29")
    assert arithmetic.paid_after_end([OLD, new], schedule, date(2027, 1, 24)) == Decimal("0.00")


django_db = pytest.mark.django_db


def _set_up(plan, finance):
    services.set_line_delivery(
        actor=finance, service=_home_care(plan), mechanism=Mechanism.DIRECT_PAYMENT
    )
    return services.set_up_direct_payment(
        actor=finance,
        plan=plan,
        recipient="person",
        recipient_name="",
        requested_on=date(2026, 11, 2),
        start=date(2026, 11, 2),
        frequency_weeks=4,
        contingency_weeks=4,
        conditions_met=True,
    )


@django_db
def test_a_new_assessment_changes_the_direct_payment_from_a_date_and_keeps_the_old_terms(
    agreed_plan,  # noqa: F811
    user_for,
    settings,
) -> None:
    finance, social_worker = user_for("finance"), user_for("socialworker")
    _assess(user_for, agreed_plan.person)
    agreement = _set_up(agreed_plan, finance)
    old_weekly, old_person = agreement.weekly_amount, agreement.person_weekly
    with pytest.raises(ValidationError, match="Nothing changes"):
        services.change_direct_payment(
            actor=finance,
            agreement=agreement,
            effective_from=date(2026, 12, 7),
            frequency_weeks=4,
            reason="Annual review",
        )
    # A new assessment (no savings) lowers the person's part: the council pays more.
    _assess(user_for, agreed_plan.person, date="2026-11-20", capital=[])
    line = next(
        c
        for c in plan_charges(agreed_plan, on=date(2026, 12, 7)).lines
        if c.funding_stream == "council"
    )
    assert line.council > old_weekly
    change = services.change_direct_payment(
        actor=social_worker,
        agreement=agreement,
        effective_from=date(2026, 12, 7),
        frequency_weeks=2,
        reason="Reassessed on 20 November: no savings now",
    )
    agreement.refresh_from_db()
    assert (agreement.weekly_amount, agreement.person_weekly, agreement.frequency_weeks) == (
        line.council,
        line.person,
        2,
    )
    assert (change.previous_weekly_amount, change.previous_person_weekly) == (
        old_weekly,
        old_person,
    )
    assert change.previous_frequency_weeks == 4
    schedule = services.schedule(agreement, date(2027, 1, 10))
    # 30 Nov paid 4 weeks to 27 Dec at the old amount: 7..27 Dec (21 days) are settled on 7 Dec.
    assert [(p.due, p.kind) for p in schedule] == [
        (date(2026, 11, 2), "payment"),
        (date(2026, 11, 30), "payment"),
        (date(2026, 12, 7), "adjustment"),
        (date(2026, 12, 28), "payment"),
    ]
    assert schedule[2].amount == arithmetic.pennies((line.council - old_weekly) * 3)
    assert schedule[3].amount == line.council * 2
    assert AuditEvent.objects.filter(
        object_type="budgets.directpaymentagreement", action=AuditEvent.Action.UPDATE
    ).exists()
    with pytest.raises(ValidationError) as refused:
        services.change_direct_payment(
            actor=finance,
            agreement=agreement,
            effective_from=date(2026, 12, 7),
            frequency_weeks=1,
            reason="x",
        )
    assert "after it" in refused.value.message_dict["effective_from"][0]
    with pytest.raises(PermissionDenied):
        services.change_direct_payment(
            actor=user_for("ot"),
            agreement=agreement,
            effective_from=date(2026, 12, 14),
            frequency_weeks=1,
            reason="x",
        )


@django_db
def test_ending_a_direct_payment_stops_payments_and_returns_the_services_to_the_council(
    agreed_plan,  # noqa: F811
    user_for,
    settings,
) -> None:
    finance = user_for("finance")
    _assess(user_for, agreed_plan.person)
    agreement = _set_up(agreed_plan, finance)
    budget_before = selectors.personal_budget(agreed_plan)
    with pytest.raises(ValidationError) as refused:
        services.end_direct_payment(
            actor=finance, agreement=agreement, end_date=date(2026, 10, 1), reason="nonsense"
        )
    assert set(refused.value.message_dict) == {"end_date", "reason"}
    # Ends on Sun 6 Dec: the 30 Nov payment (to 27 Dec) is the last; 7..27 Dec (21 days) were
    # paid in advance, three weeks of the council's part, recovered with the balance.
    services.end_direct_payment(
        actor=finance,
        agreement=agreement,
        end_date=date(2026, 12, 6),
        reason="person_asked",
        note="Prefers the council to arrange the calls",
    )
    agreement.refresh_from_db()
    assert agreement.status == DirectPaymentAgreement.Status.ENDED
    assert [p.due for p in services.schedule(agreement, date(2027, 3, 1))] == [
        date(2026, 11, 2),
        date(2026, 11, 30),
    ]
    assert services.paid_after_end(agreement) == agreement.weekly_amount * 3
    assert services.next_payment(agreement, date(2026, 12, 1)) is None
    budget = selectors.personal_budget(agreed_plan)
    assert budget.direct_payment is None and not budget.direct_payment_lines
    assert _home_care(agreed_plan).delivery.mechanism == Mechanism.COUNCIL_MANAGED
    assert (budget.weekly_total, budget.person_weekly, budget.council_weekly) == (
        budget_before.weekly_total,
        budget_before.person_weekly,
        budget_before.council_weekly,
    )
    with pytest.raises(ValidationError, match="already ended"):
        services.end_direct_payment(
            actor=finance, agreement=agreement, end_date=date(2026, 12, 6), reason="died"
        )
    with pytest.raises(ValidationError, match="has ended"):
        services.change_direct_payment(
            actor=finance,
            agreement=agreement,
            effective_from=date(2026, 12, 7),
            frequency_weeks=1,
            reason="x",
        )
    # The final return, to the last day, keeps no contingency: the whole balance is recovered.
    settings.CARETRUST_TODAY = "2026-12-10"
    with pytest.raises(ValidationError, match="runs to that day"):
        services.record_monitoring_return(
            actor=finance,
            agreement=agreement,
            period_start=date(2026, 11, 2),
            period_end=date(2026, 12, 9),
            spent=Decimal("900.00"),
            balance=Decimal("700.00"),
        )
    final = services.record_monitoring_return(
        actor=finance,
        agreement=agreement,
        period_start=date(2026, 11, 2),
        period_end=date(2026, 12, 6),
        spent=Decimal("900.00"),
        balance=Decimal("700.00"),
    )
    assert final.contingency == Decimal("0.00") and final.recovery_due == Decimal("700.00")
    assert final.paid_in == agreement.payment_amount * 2
    # A new direct payment may be set up again later.
    _set_up(agreed_plan, finance)
