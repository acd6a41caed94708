"""The finance officer's work (#18 item 1): who is waiting for a financial assessment (a proposed
or agreed plan with council-arranged lines and no assessment, oldest first), whose reassessment is
due (yearly, or the national figures changed), and each plan's who-pays table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from caretrust.careplans import services as plans
from caretrust.funding.models import FinancialAssessment
from caretrust.funding.services import record_financial_assessment
from caretrust.funding.worklist import finance_work
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from tests.factories import force_update, person_row
from tests.funding.test_plan_charges import MEANS

pytestmark = pytest.mark.django_db


def _person(family: str) -> Person:
    return person_row(
        given_name="Ann",
        family_name=family,
        birth_date=date(1940, 3, 2),
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )


def _plan_with(person, actor, stream: str, kind: str = "home_care"):
    plan = plans.create_plan(actor=actor, person=person, review_date=date(2026, 9, 1))
    plan.refresh_from_db()
    plans.add_service(
        actor=actor,
        plan=plan,
        expected_version=plan.version,
        kind=kind,
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=7,
        hours_per_visit=Decimal("1"),
        funding_stream=stream,
        start=date(2026, 5, 1),
    )
    return plan


def test_people_with_council_arranged_care_and_no_assessment_wait_oldest_first(
    demo_directory, user_for
) -> None:
    gp, finance = user_for("gp"), user_for("finance")
    older = _plan_with(_person("Older"), gp, "council")
    newer = _plan_with(_person("Newer"), gp, "council")
    force_update(
        type(older).objects.filter(pk=older.pk), created_at=older.created_at - timedelta(days=9)
    )
    _plan_with(_person("Nhs"), gp, "nhs", kind="community_nursing")  # free: nobody waits

    today = newer.created_at.date() + timedelta(days=8)
    work = finance_work(finance, today)
    assert [row.person.family_name for row in work.waiting] == ["Older", "Newer"]
    assert work.due == []

    # Assessed 350 days before the plan: still current when the plan is made, so not waiting;
    # but its year is up within four weeks, so the reassessment is due.
    assessed = newer.created_at.date() - timedelta(days=350)
    record_financial_assessment(
        actor=finance, person=newer.person, inputs={**MEANS, "date": assessed.isoformat()}
    )
    work = finance_work(finance, today)
    assert [row.person.family_name for row in work.waiting] == ["Older"]
    (due,) = work.due
    assert due.person == newer.person and "yearly reassessment" in due.reason


def test_a_change_of_national_figures_makes_a_reassessment_due(demo_directory, user_for) -> None:
    gp, finance = user_for("gp"), user_for("finance")
    plan = _plan_with(_person("Figures"), gp, "council")
    record_financial_assessment(
        actor=finance, person=plan.person, inputs={**MEANS, "date": "2026-03-20"}
    )
    assert FinancialAssessment.objects.get().rule_set == "england-2025-26"
    assert finance_work(finance, date(2026, 3, 31)).due == []  # same figures, months to go
    (due,) = finance_work(finance, date(2026, 4, 7)).due  # April's uprating is in force
    assert "figures changed: assessed under england-2025-26, now england-2026-27" in due.reason


def test_the_worklist_page_links_to_the_form_and_the_who_pays_table(
    client, demo_directory, user_for
) -> None:
    plan = _plan_with(_person("Page"), user_for("gp"), "council")
    client.force_login(user_for("finance"))
    home = client.get("/").content.decode()
    assert "People waiting for a financial assessment" in home
    page = client.get("/funding/work/").content.decode()
    assert "Ann PAGE" in page
    assert f"/funding/people/{plan.person.ref}/financial-assessment/" in page
    assert f"/funding/people/{plan.person.ref}/who-pays/" in page
    who_pays = client.get(f"/funding/people/{plan.person.ref}/who-pays/")
    assert who_pays.status_code == 200
    assert "Who pays for each service" in who_pays.content.decode()


def test_only_the_finance_officer_with_a_relationship_sees_who_pays(
    client, demo_directory, user_for
) -> None:
    plan = _plan_with(_person("Scope"), user_for("gp"), "nhs", kind="community_nursing")
    client.force_login(user_for("finance"))  # an NHS-only plan: no council finance relationship
    assert client.get(f"/funding/people/{plan.person.ref}/who-pays/").status_code == 403
    client.force_login(user_for("nurse"))
    assert client.get("/funding/work/").status_code == 403
