"""A pooled budget's actuals from delivered visits, and the partners' risk share (#18 item 6).

Delivered visits: visits marked done in the team workspace, priced by the service catalogue
(home care £28.50 an hour, `funding/catalogue.toml`), are the home-care line's actual spend of
their month; a visit in the current (incomplete) month is not, because the forecast's commitments
cover it. Risk share: the agreement's bands (a Section 75 agreement sets how an over- or
underspend is split; NHS Act 2006 s75), from the pool's schedule file.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from caretrust.careplans import services as plans
from caretrust.careplans.models import Visit
from caretrust.funding.demo import create_demo_pool
from caretrust.funding.pool_setup import define_pool
from caretrust.funding.selectors import latest_forecast
from caretrust.funding.spend_import import import_spend
from caretrust.organisations.models import Organisation, Team
from tests.factories import make_person, routed_referral

D = Decimal


def _record(actor, plan, on: date, outcome: str = "done", service=None) -> None:
    visits = Visit.objects.filter(plan=plan, date=on, status="planned")
    if service is not None:
        visits = visits.filter(planned_service=service)
    for visit in visits:
        plans.record_visit(actor=actor, visit=visit, outcome=outcome, reason="Test")


@pytest.fixture
def home_care_plan(settings, user_for, decide_eligible):
    """Agreed on 5 October 2026: council-funded home care, one hour a day from 5 October
    (£28.50 a visit, £199.50 a week), and a self-funded hour a day the pool does not pay for."""
    settings.CARETRUST_TODAY = "2026-10-05"
    coordinator = user_for("coordinator")
    referral = routed_referral(person=make_person(family_name="Pennyworth"))
    decide_eligible(referral.person)
    plan = plans.create_plan(actor=coordinator, person=referral.person, referral=referral)
    provider = Organisation.objects.get(code="DEMO-HOMECARE")
    council = plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=provider,
        per="day",
        hours_per_visit=D("1"),
        funding_stream="council",
        start=date(2026, 10, 5),
    )
    plan.refresh_from_db()
    private = plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=provider,
        per="day",
        hours_per_visit=D("1"),
        funding_stream="person_self_funded",
        start=date(2026, 10, 5),
    )
    plan.refresh_from_db()
    plan = plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    return plan, council, private


def test_done_visits_are_actuals_of_complete_months_only(settings, user_for, home_care_plan):
    """Done on 5, 6 and 7 October (3 x £28.50 = £85.50), missed on 8 October, the self-funded
    visits done on 5 October, and a council visit done on 2 November. On 16 November the
    forecast is made at 31 October: actual £85.50, all of it delivered visits (the missed and
    self-funded visits are not the pool's spend; November is not complete). Committed: £199.50
    a week x 151 days (1 November to 31 March) / 7 = £4,303.50, November's visit included once.
    The plan covered £199.50 x 27 / 7 = £769.50 in October, more than the £85.50 spent, so nothing
    is projected: forecast £4,389.00."""
    plan, council, private = home_care_plan
    coordinator = user_for("coordinator")
    for day in (5, 6, 7):
        _record(coordinator, plan, date(2026, 10, day), service=council)
    _record(coordinator, plan, date(2026, 10, 8), "missed", service=council)
    _record(coordinator, plan, date(2026, 10, 5), service=private)
    settings.CARETRUST_TODAY = "2026-11-01"
    plans.generate_visits(actor=coordinator, plan=plan)
    _record(coordinator, plan, date(2026, 11, 2), service=council)
    settings.CARETRUST_TODAY = "2026-11-16"

    pool = create_demo_pool(date(2026, 11, 16))
    forecast = latest_forecast(pool)
    home = next(line for line in forecast.lines if line.name == "home-care")
    assert forecast.as_of == date(2026, 10, 31)
    assert (home.actual_to_date, home.delivered) == (D("85.50"), D("85.50"))
    assert (home.committed, home.projected, home.forecast) == (
        D("4303.50"),
        D("0.00"),
        D("4389.00"),
    )
    reablement = next(line for line in forecast.lines if line.name == "reablement")
    assert reablement.actual_to_date == 0


def test_a_line_that_does_not_take_visits_ignores_them(settings, user_for, home_care_plan):
    plan, council, _ = home_care_plan
    _record(user_for("coordinator"), plan, date(2026, 10, 5), service=council)
    settings.CARETRUST_TODAY = "2026-11-16"
    pool = create_demo_pool(date(2026, 11, 16))
    pool.lines.update(delivered_visits_are_actuals=False)
    assert all(line.actual_to_date == 0 for line in latest_forecast(pool).lines)


def test_a_double_handed_call_costs_two_workers(settings, user_for, decide_eligible):
    """Home care by two workers, one hour a day from 5 October: committed at 2 x £199.50 = £399.00
    a week (x 151 / 7 from 1 November = £8,607.00), and the call done on 5 October is two
    delivered visits, one for each worker: 2 x £28.50 = £57.00."""
    settings.CARETRUST_TODAY = "2026-10-05"
    coordinator = user_for("coordinator")
    referral = routed_referral(person=make_person(family_name="Twohands"))
    decide_eligible(referral.person)
    plan = plans.create_plan(actor=coordinator, person=referral.person, referral=referral)
    service = plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        provider_team=Team.objects.get(code="coastline-carers"),
        workers_needed=2,
        per="day",
        hours_per_visit=D("1"),
        funding_stream="council",
        start=date(2026, 10, 5),
    )
    plan.refresh_from_db()
    plan = plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    _record(coordinator, plan, date(2026, 10, 5), service=service)
    settings.CARETRUST_TODAY = "2026-11-16"
    forecast = latest_forecast(create_demo_pool(date(2026, 11, 16)))
    home = next(line for line in forecast.lines if line.name == "home-care")
    assert (home.delivered, home.committed) == (D("57.00"), D("8607.00"))


SCHEDULE = """
name = "Risk BCF"
financial_year_start = 2026-04-01
host = "DEMO-COUNCIL"
[contributions]
DEMO-TRUST = "600000.00"
DEMO-COUNCIL = "400000.00"
[[lines]]
code = "home-care"
name = "Home care"
budget = "1000000.00"
service_kinds = ["home_care"]
[risk_share]
description = "The first £50,000 of an overspend half each; the council bears the rest."
overspend = [
  { up_to = "50000", shares = { DEMO-TRUST = "0.5", DEMO-COUNCIL = "0.5" } },
  { shares = { DEMO-COUNCIL = "1" } },
]
underspend = [{ shares = "contributions" }]
"""


@pytest.fixture
def risk_pool(settings, demo_directory, tmp_path):
    settings.CARETRUST_TODAY = "2026-11-16"
    path = tmp_path / "pool.toml"
    path.write_text(SCHEDULE)
    return define_pool(path)


def test_the_agreements_risk_share_on_the_page_and_in_the_export(client, user_for, risk_pool):
    """Home care spends £90,000 a month April to October with no plans: 630,000 + 90,000 x 5 =
    1,080,000 forecast, 80,000 over. The first 50,000 half each (25,000 + 25,000), the other
    30,000 the council's: NHS trust £25,000.00, council £55,000.00."""
    finance = user_for("finance")
    rows = "\n".join(f"home-care,2026-{m:02d},90000" for m in range(4, 11))
    import_spend(
        actor=finance,
        pool=risk_pool,
        file_name="s.csv",
        content=f"service_line,month,amount\n{rows}\n".encode(),
    )
    forecast = latest_forecast(risk_pool)
    trust = Organisation.objects.get(code="DEMO-TRUST").name
    council = Organisation.objects.get(code="DEMO-COUNCIL").name
    assert forecast.variance == D("80000.00")
    assert forecast.risk_shares == {trust: D("25000.00"), council: D("55000.00")}

    client.force_login(finance)
    html = client.get(f"/funding/pools/{risk_pool.pk}/").content.decode()
    assert "Share of the pool&#39;s variance" in html or "Share of the pool's variance" in html
    assert "£55,000.00" in html and "the council bears the rest" in html
    assert "Red: overspend" in html

    export = client.get(f"/funding/pools/{risk_pool.pk}/forecast.csv").content.decode()
    table = list(csv.DictReader(io.StringIO(export)))
    october = {row["name"]: row for row in table if row["as_of"] == "2026-10-31"}
    assert october[council]["risk_share"] == "55000.00"
    assert october[trust]["risk_share"] == "25000.00"
    assert october["Home care"]["rag"] == "red"
    assert october["Home care"]["forecast"] == "1080000.00"
    assert "the council bears the rest" in october["Home care"]["method"]


@pytest.mark.parametrize(
    ("risk_share", "message"),
    [
        ('overspend = [{ up_to = "10", shares = "contributions" }]', "the last has none"),
        ('overspend = [{ shares = { DEMO-TRUST = "0.5" } }]', "must add up to 1"),
        ('overspend = [{ shares = { NOBODY = "1" } }]', "name partners that contribute"),
    ],
)
def test_a_bad_risk_share_is_refused_naming_the_field(
    demo_directory, tmp_path, risk_share, message
):
    from django.core.exceptions import ValidationError

    path = tmp_path / "pool.toml"
    path.write_text(SCHEDULE.split("[risk_share]")[0] + "[risk_share]\n" + risk_share + "\n")
    with pytest.raises(ValidationError, match=message):
        define_pool(path)
