"""Who pays in a care plan: financial assessment recorded by a finance officer, then each planned
service charged by the engine with one cap across the plan. Worked by hand from charging.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from caretrust.access.models import AuditEvent
from caretrust.careplans import services as plans
from caretrust.careplans.models import CarePlan
from caretrust.funding.models import FinancialAssessment
from caretrust.funding.planning import plan_charges, reablement_week
from caretrust.funding.services import record_financial_assessment
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from tests.factories import make_person

MEANS = {
    "nation": "england",
    "date": "2025-06-01",
    "setting": "community",
    "person": {"age": 85, "couple": False, "premiums": []},
    "capital": [{"kind": "savings", "value": "16000.00", "joint_owners": 1}],
    "income": [
        {"kind": "state_pension", "weekly": "230.25"},
        {"kind": "attendance_allowance_higher", "weekly": "110.40"},
    ],
    "night_care_provided": False,
    "housing_costs_weekly": "0.00",
    "dre_weekly": None,
}
# 2025/26: pension 230.25 + AA counted at the lower rate 73.90 (night-care difference disregarded)
# + tariff £7 (16,000 − 14,250 = 1,750 = 7 × £250) − MIG 232.60 − flat DRE 24.16 = £54.39 a week.
AVAILABLE = Decimal("54.39")


@pytest.fixture
def mrs_smith(demo_directory) -> Person:
    return make_person(given_name="Edna", family_name="Smythe", birth_date=date(1940, 3, 2))


def make_plan(gp, person, reablement_start: date) -> CarePlan:
    trust = Organisation.objects.get(code="DEMO-TRUST")
    council = Organisation.objects.get(code="DEMO-COUNCIL")
    provider = Organisation.objects.get(code="DEMO-HOMECARE")
    plan = plans.create_plan(actor=gp, person=person, review_date=date(2025, 9, 1))
    for kwargs in (
        # 7 visits a week × 1 hour × £28.50 = £199.50 a week, council-arranged (means-tested).
        {
            "kind": "home_care",
            "provider_organisation": provider,
            "frequency": 7,
            "hours_per_visit": Decimal("1"),
            "funding_stream": "council",
            "start": date(2025, 5, 1),
        },
        # 5 × 1 hour × £32 = £160 a week of reablement.
        {
            "kind": "reablement",
            "provider_organisation": council,
            "frequency": 5,
            "hours_per_visit": Decimal("1"),
            "funding_stream": "reablement",
            "start": reablement_start,
        },
        # 2 × £55 = £110 a week of community nursing: NHS.
        {
            "kind": "community_nursing",
            "provider_organisation": trust,
            "frequency": 2,
            "funding_stream": "nhs",
            "start": date(2025, 5, 1),
        },
        # A grab rail: £250 once, a minor adaptation under £1,000.
        {
            "kind": "equipment",
            "provider_organisation": council,
            "frequency": 1,
            "per": "once",
            "funding_stream": "minor_adaptation",
            "start": date(2025, 5, 1),
        },
    ):
        plan.refresh_from_db()
        plans.add_service(actor=gp, plan=plan, expected_version=plan.version, **kwargs)
    return plan


def test_reablement_weeks_count_from_the_start() -> None:
    assert reablement_week(date(2025, 5, 20), date(2025, 5, 20)) == 1
    assert reablement_week(date(2025, 5, 20), date(2025, 5, 26)) == 1
    assert reablement_week(date(2025, 5, 20), date(2025, 5, 27)) == 2


def test_without_an_assessment_only_nhs_lines_are_settled(mrs_smith, user_for) -> None:
    plan = make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    charges = plan_charges(plan, on=date(2025, 6, 1))
    by_kind = {line.description: line for line in charges.lines}
    assert charges.person_weekly is None
    assert by_kind["Community nursing"].nhs == Decimal("110.00")
    assert by_kind["Community nursing"].person == 0
    assert by_kind["Home care"].person is None
    assert by_kind["Home care"].reason == "awaiting a financial assessment"


def test_the_finance_officer_records_an_audited_assessment(mrs_smith, user_for) -> None:
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))  # a means-tested service: relationship
    assessment = record_financial_assessment(
        actor=user_for("finance"), person=mrs_smith, inputs=MEANS
    )
    assert assessment.maximum_weekly_contribution == AVAILABLE
    assert not assessment.full_cost_payer
    assert assessment.rule_set == "england-2025-26"
    event = AuditEvent.objects.get(object_type="funding.financialassessment")
    assert event.person_ref == mrs_smith.audit_ref


def test_a_finance_officer_needs_a_means_tested_plan_to_assess(mrs_smith, user_for) -> None:
    with pytest.raises(PermissionDenied):
        record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=MEANS)
    assert not FinancialAssessment.objects.exists()


def test_plan_lines_free_nhs_and_one_cap(mrs_smith, user_for) -> None:
    plan = make_plan(user_for("gp"), mrs_smith, reablement_start=date(2025, 5, 20))
    record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=MEANS)
    charges = plan_charges(plan, on=date(2025, 6, 1))
    lines = {line.description: line for line in charges.lines}
    assert lines["Home care"].weekly_cost == Decimal("199.50")
    assert lines["Home care"].person == AVAILABLE
    assert lines["Home care"].council == Decimal("199.50") - AVAILABLE
    assert lines["Reablement"].person == 0  # week 2 of reablement: free
    assert lines["Community nursing"].nhs == Decimal("110.00")
    assert lines["Equipment"].one_off_cost == Decimal("250.00")
    assert lines["Equipment"].person == 0  # minor adaptation of £1,000 or less
    assert charges.person_weekly == AVAILABLE


def test_after_six_weeks_reablement_shares_the_one_cap(mrs_smith, user_for) -> None:
    plan = make_plan(user_for("gp"), mrs_smith, reablement_start=date(2025, 4, 10))  # week 8
    record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=MEANS)
    charges = plan_charges(plan, on=date(2025, 6, 1))
    lines = {line.description: line for line in charges.lines}
    # One cap across £199.50 + £160.00 of chargeable care: the person still pays £54.39 in all,
    # shared in proportion to cost (199.50 : 160.00), to the penny.
    assert lines["Home care"].person + lines["Reablement"].person == AVAILABLE
    assert lines["Reablement"].person > 0
    assert charges.person_weekly == AVAILABLE


def test_in_2026_27_the_councils_figures_are_used_and_flagged(mrs_smith, user_for) -> None:
    plan = make_plan(user_for("gp"), mrs_smith, reablement_start=date(2025, 5, 20))
    record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=MEANS)
    charges = plan_charges(plan, on=date(2026, 11, 23))
    assert charges.problem == ""
    sources = {figure["figure"]: figure["source"] for figure in charges.unconfirmed_figures}
    assert "figure_overrides" in sources["upper_capital_limit_community"]


def test_the_assessment_form_records_and_explains(client, mrs_smith, user_for) -> None:
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    client.force_login(user_for("finance"))
    url = f"/funding/people/{mrs_smith.ref}/financial-assessment/"
    form = {
        "setting": "community",
        "assessed_on": "2025-06-01",
        "savings": "16000",
        "savings_joint_owners": "1",
        "main_home_joint_owners": "1",
        "state_pension": "230.25",
        "disability_benefit": "attendance_allowance_higher",
        "disability_benefit_weekly": "110.40",
    }
    response = client.post(url, form, follow=True)
    html = response.content.decode()
    assert (
        "Maximum weekly contribution towards council-arranged care: <strong>£54.39</strong>" in html
    )
    assert "SI 2014/2672" in html  # every step names its rule
    assert FinancialAssessment.objects.get().inputs["capital"][0]["value"] == "16000.00"


def test_the_assessment_form_names_bad_fields(client, mrs_smith, user_for) -> None:
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    client.force_login(user_for("finance"))
    url = f"/funding/people/{mrs_smith.ref}/financial-assessment/"
    response = client.post(
        url,
        {
            "setting": "community",
            "assessed_on": "2025-06-01",
            "savings": "-5",
            "savings_joint_owners": "1",
            "main_home_joint_owners": "1",
            "disability_benefit": "attendance_allowance_higher",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Enter the weekly amount of the benefit." in html
    assert not FinancialAssessment.objects.exists()


def test_the_plan_page_and_the_persons_portal_say_who_pays(client, mrs_smith, user_for) -> None:
    from caretrust.organisations.models import User
    from caretrust.portal.models import PersonPortalAccount

    plan = make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=MEANS)
    client.force_login(user_for("gp"))
    html = client.get(f"/care-plans/{plan.uuid}/").content.decode()
    assert "<h2>Who pays</h2>" in html
    assert "7 a week × 1 hour at £28.50 an hour" in html
    assert "NHS-funded care: free at the point of delivery" in html

    account = User.objects.create(username="edna", role=User.Role.PERSON)
    PersonPortalAccount.objects.create(
        user=account, person=mrs_smith, relationship=PersonPortalAccount.Relationship.SELF
    )
    client.force_login(account)
    page = client.get("/my-care/").content.decode()
    assert "What you pay" in page
    assert "You pay nothing for this." in page  # community nursing: NHS
    # Charged today (2026/27 rules with the council's figures); the amount is the engine's.
    charges = plan_charges(plan)
    assert f"You pay £{charges.person_weekly:,.2f} a week in all." in page
