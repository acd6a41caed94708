"""Who pays in a care plan: financial assessment recorded by a finance officer, then each planned
service charged by the engine with one cap across the plan. Worked by hand from charging.md."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from caretrust.access.models import AuditEvent
from caretrust.careplans import services as plans
from caretrust.careplans.models import CarePlan
from caretrust.entitlements.services import start_reablement
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
    # A reablement line needs the reablement episode behind it (ADR 73).
    start_reablement(actor=gp, person=person, start=reablement_start)
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
    assert lines["Equipment"].person == 0  # an aid: free whatever it costs
    assert charges.person_weekly == AVAILABLE


def _add(plan, actor, **kwargs):
    plan.refresh_from_db()
    plans.add_service(actor=actor, plan=plan, expected_version=plan.version, **kwargs)


def test_equipment_over_1000_pounds_is_still_free(mrs_smith, user_for) -> None:
    """Five items of equipment at £250 (£1,250 in all) for someone with £50,000 of savings, who
    pays any chargeable line in full: aids are free whatever they cost; only adaptations carry the
    £1,000 limit (charging.md "Free to the person"; SI 2014/2673 reg 3)."""
    gp = user_for("gp")
    plan = plans.create_plan(actor=gp, person=mrs_smith, review_date=date(2025, 9, 1))
    _add(
        plan,
        gp,
        kind="equipment",
        provider_organisation=Organisation.objects.get(code="DEMO-COUNCIL"),
        frequency=5,
        per="once",
        funding_stream="minor_adaptation",
        start=date(2025, 5, 1),
    )
    rich = {**MEANS, "capital": [{"kind": "savings", "value": "50000.00", "joint_owners": 1}]}
    record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=rich)
    (equipment,) = plan_charges(plan, on=date(2025, 6, 1)).lines
    assert equipment.one_off_cost == Decimal("1250.00")
    assert (equipment.person, equipment.council) == (Decimal("0.00"), Decimal("1250.00"))


def test_support_for_the_carer_is_never_charged_against_the_persons_means(
    mrs_smith, user_for
) -> None:
    """Carer support sessions in Edna's plan are support to her carer: they do not count towards
    what Edna is charged (Care Act 2014 s.14(3); pathways.md "Carers"). Her charge stays £54.39,
    the same as with home care alone, and the carer line costs her nothing."""
    gp = user_for("gp")
    plan = plans.create_plan(actor=gp, person=mrs_smith, review_date=date(2025, 9, 1))
    _add(
        plan,
        gp,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=2,
        hours_per_visit=Decimal("1"),
        funding_stream="council",
        start=date(2025, 5, 1),
    )  # £57.00 a week: more than Edna's £54.39, so she pays £54.39
    record_financial_assessment(actor=user_for("finance"), person=mrs_smith, inputs=MEANS)
    alone = plan_charges(plan, on=date(2025, 6, 1))
    _add(
        plan,
        gp,
        kind="carer_support",
        provider_organisation=Organisation.objects.get(code="DEMO-COUNCIL"),
        frequency=3,
        funding_stream="council",
        start=date(2025, 5, 1),
    )  # 3 sessions × £20 = £60 a week for her daughter
    charges = plan_charges(plan, on=date(2025, 6, 1))
    lines = {line.description: line for line in charges.lines}
    assert alone.person_weekly == charges.person_weekly == AVAILABLE
    assert lines["Carer support"].weekly_cost == Decimal("60.00")
    assert (lines["Carer support"].person, lines["Carer support"].council) == (
        Decimal("0.00"),
        Decimal("60.00"),
    )
    assert "s.14(3)" in lines["Carer support"].reason
    assert lines["Home care"].person == AVAILABLE


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
        "assessed_on_day": "1",
        "assessed_on_month": "6",
        "assessed_on_year": "2025",
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
            "assessed_on_day": "1",
            "assessed_on_month": "6",
            "assessed_on_year": "2025",
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


def test_the_maximum_contribution_is_worked_out_directly_with_no_made_up_service(
    client, mrs_smith, user_for
) -> None:
    """The engine computes the most Edna pays a week from her means alone: no notional £99,999.99
    service is charged to find it, and nothing of the kind appears on the result page."""
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    assessment = record_financial_assessment(
        actor=user_for("finance"), person=mrs_smith, inputs=MEANS
    )
    assert assessment.maximum_weekly_contribution == AVAILABLE
    assert assessment.result["maximum_weekly"] == str(AVAILABLE)
    assert "99999" not in str(assessment.result)
    client.force_login(user_for("finance"))
    page = client.get(f"/funding/financial-assessments/{assessment.pk}/").content.decode()
    assert "99999" not in page and "99,999" not in page


@pytest.mark.parametrize("typed", ["250,000", "£250,000", "250000.00", " £ 250,000.00 "])
def test_money_is_taken_as_people_type_it(client, mrs_smith, user_for, typed) -> None:
    """A finance officer types the home's value as they would write it (#18 item 1)."""
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    client.force_login(user_for("finance"))
    url = f"/funding/people/{mrs_smith.ref}/financial-assessment/"
    response = client.post(
        url,
        {
            "setting": "community",
            "assessed_on_day": "1",
            "assessed_on_month": "6",
            "assessed_on_year": "2025",
            "savings": "1,500",
            "savings_joint_owners": "1",
            "other_property": typed,
            "main_home_joint_owners": "1",
            "state_pension": "£230.25",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    capital = FinancialAssessment.objects.get().inputs["capital"]
    assert {"kind": "other_property", "value": "250000.00"} in capital
    assert capital[0]["value"] == "1500.00"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"other_property": "a lot"}, "Other property must be an amount of money, like 250,000"),
        ({"other_property": "25,00"}, "Other property must be an amount of money"),
        ({"other_property": "12.345"}, "Other property must be in pounds and pence"),
        ({"assessed_on_month": ""}, "Date of assessment must include a month"),
        ({"assessed_on_day": "31", "assessed_on_month": "2"}, "Date of assessment must be a real"),
    ],
    ids=["words", "misplaced comma", "fraction of a penny", "no month", "31 February"],
)
def test_money_and_date_errors_say_what_to_type(
    client, mrs_smith, user_for, fields, message
) -> None:
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    client.force_login(user_for("finance"))
    url = f"/funding/people/{mrs_smith.ref}/financial-assessment/"
    form = {
        "setting": "community",
        "assessed_on_day": "1",
        "assessed_on_month": "6",
        "assessed_on_year": "2025",
        "savings_joint_owners": "1",
        "main_home_joint_owners": "1",
        **fields,
    }
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    # What was typed is kept for the person to correct.
    for value in fields.values():
        if value:
            assert f'value="{value}"' in html
    assert not FinancialAssessment.objects.exists()


def test_the_result_is_in_plain_words_with_the_rules_on_request(
    client, mrs_smith, user_for
) -> None:
    """No codes or keys on the page: the engine's "income[1] attendance_allowance_higher" and
    "aa_lower_rate" become words, every amount stays, and each step's rule is in "The rules
    behind each step" (#18 item 2)."""
    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    assessment = record_financial_assessment(
        actor=user_for("finance"), person=mrs_smith, inputs=MEANS
    )
    client.force_login(user_for("finance"))
    page = client.get(f"/funding/financial-assessments/{assessment.pk}/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "You pay at most £54.39 a week towards care the council arranges" in text
    assert "Attendance Allowance (higher rate) (£110.40 a week): night-care difference" in text
    assert "State Pension (£230.25 a week): counted in full" in text
    assert "What you can afford: the income we counted" in text
    assert "Minimum income guarantee: the amount the law says you must be left with" in text
    assert "the lower rate of Attendance Allowance of £73.90" in text  # the rule, on request
    for code in ("income[", "capital[", "attendance_allowance_higher", "aa_lower_rate", "_"):
        assert code not in text.split("How it was worked out", 1)[1], code

    letter = client.get(f"/funding/financial-assessments/{assessment.pk}/letter/")
    assert "Dear Edna" in letter.content.decode()


def test_the_person_reads_the_same_explanation_in_the_portal(client, mrs_smith, user_for) -> None:
    from caretrust.organisations.models import User
    from caretrust.portal.models import PersonPortalAccount

    make_plan(user_for("gp"), mrs_smith, date(2025, 5, 20))
    assessment = record_financial_assessment(
        actor=user_for("finance"), person=mrs_smith, inputs=MEANS
    )
    client.force_login(user_for("finance"))
    staff_letter = client.get(f"/funding/financial-assessments/{assessment.pk}/letter/")
    account = User.objects.create(username="edna", role=User.Role.PERSON)
    PersonPortalAccount.objects.create(
        user=account, person=mrs_smith, relationship=PersonPortalAccount.Relationship.SELF
    )
    client.force_login(account)
    assert (
        "How your financial assessment was worked out" in client.get("/my-care/").content.decode()
    )
    own = client.get("/my-care/financial-assessment/")
    assert own.status_code == 200

    def body(response):
        html = response.content.decode()
        return html[html.index('<article class="caretrust-letter">') : html.index("</article>")]

    assert body(own) == body(staff_letter)  # the same letter, the same figures
