"""The personal budgets worklist costs the same number of queries whatever it lists (DEVELOPERS.md:
list pages batch their per-row look-ups)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caretrust.careplans import services as plans
from caretrust.careplans.models import CarePlan
from caretrust.funding.services import record_financial_assessment
from caretrust.organisations.models import Organisation
from tests.budgets.test_budgets import CARE_HOME
from tests.factories import force_update, make_person

pytestmark = pytest.mark.django_db
_serial = count(1)


def _build(user_for, n: int) -> None:
    gp, finance = user_for("gp"), user_for("finance")
    for _ in range(n):
        person = make_person(family_name=f"Budget{next(_serial)}", actor=gp)
        plan = plans.create_plan(actor=gp, person=person, review_date=date(2027, 3, 1))
        plan.refresh_from_db()
        plans.add_service(
            actor=gp,
            plan=plan,
            expected_version=plan.version,
            kind="home_care",
            provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
            frequency=7,
            hours_per_visit=Decimal("1"),
            funding_stream="council",
            start=date(2026, 11, 2),
        )
        # Agreed (the agreement's own rules are tested with care plans).
        force_update(CarePlan.objects.filter(pk=plan.pk), status="active")
        record_financial_assessment(actor=finance, person=person, inputs=CARE_HOME)


def _queries(user_for) -> tuple[int, str]:
    client = Client()
    client.force_login(user_for("finance"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/budgets/").content.decode()
    return len(queries), page


def test_the_worklist_costs_the_same_with_one_row_or_five(user_for) -> None:
    _build(user_for, 1)
    one, page = _queries(user_for)
    assert "Agreed plans (1)" in page and "Permanent care home residents (1)" in page
    _build(user_for, 4)
    five, page = _queries(user_for)
    assert "Agreed plans (5)" in page and "Permanent care home residents (5)" in page
    assert five == one
