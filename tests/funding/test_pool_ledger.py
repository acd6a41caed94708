"""The pooled budget ledger in the web app: spend import (atomic, idempotent), forecast, export."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from caretrust.access.models import AuditEvent
from caretrust.funding import commitments
from caretrust.funding.demo import create_demo_pool, load_demo_pool
from caretrust.funding.models import ActualSpend, SpendImport
from caretrust.funding.selectors import latest_forecast
from caretrust.funding.spend_import import SpendFileError, import_spend

TODAY = date(2026, 11, 23)


@pytest.fixture
def pool(demo_directory):
    return create_demo_pool(TODAY)


@pytest.fixture
def finance(user_for):
    return user_for("finance")


SPEND = b'service_line,month,amount\nhome-care,2026-04,210000.00\nhome-care,2026-05,230000\nreablement,2026-04,"\xc2\xa3100,000.50"\n'


def test_demo_pool_is_in_the_current_financial_year(pool) -> None:
    assert pool.financial_year_start == date(2026, 4, 1)
    assert pool.financial_year_label == "2026/27"
    assert create_demo_pool(TODAY) == pool  # idempotent


def test_demo_spend_is_loaded_once_for_each_complete_month(demo_directory) -> None:
    pool = load_demo_pool(TODAY)
    assert load_demo_pool(TODAY) == pool  # the same demo file again changes nothing
    assert SpendImport.objects.count() == 1
    assert ActualSpend.objects.count() == 7 * 5  # April to October 2026, five lines
    home_care = next(line for line in latest_forecast(pool).lines if line.name == "home-care")
    # Running at 109% of a twelfth of £2.6m for 7 months: 2,600,000 / 12 × 1.09 = 236,166.67 a month.
    assert home_care.actual_to_date == Decimal("236166.67") * 7


def test_spend_import_counts_and_audits(pool, finance) -> None:
    summary = import_spend(actor=finance, pool=pool, file_name="apr-may.csv", content=SPEND)
    assert (summary.read, summary.inserted, summary.updated) == (3, 3, 0)
    assert ActualSpend.objects.get(line__code="reablement").amount == Decimal("100000.50")
    assert (
        AuditEvent.objects.filter(action="import", object_type="funding.spendimport").count() == 1
    )


def test_reimporting_the_same_file_changes_nothing(pool, finance) -> None:
    import_spend(actor=finance, pool=pool, file_name="a.csv", content=SPEND)
    again = import_spend(actor=finance, pool=pool, file_name="a-copy.csv", content=SPEND)
    assert again.already_imported
    assert SpendImport.objects.count() == 1
    assert ActualSpend.objects.count() == 3


def test_a_later_file_restating_a_month_updates_it(pool, finance) -> None:
    import_spend(actor=finance, pool=pool, file_name="a.csv", content=SPEND)
    corrected = b"service_line,month,amount\nhome-care,2026-04,215000\nhome-care,2026-05,230000\n"
    summary = import_spend(actor=finance, pool=pool, file_name="b.csv", content=corrected)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1)
    assert ActualSpend.objects.get(line__code="home-care", month=date(2026, 4, 1)).amount == 215000


def test_a_bad_file_changes_nothing_and_names_row_and_field(pool, finance) -> None:
    bad = (
        b"service_line,month,amount\nhome-care,2026-04,1000\nbingo,2026-13,ten pounds\n"
        b"home-care,2027-05,5\nreablement,2026-06,1,500\n"
    )
    with pytest.raises(SpendFileError) as caught:
        import_spend(actor=finance, pool=pool, file_name="bad.csv", content=bad)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {(3, "service_line"), (3, "month"), (3, "amount"), (4, "month"), (5, "row")}
    assert "bad.csv, row 3, service_line" in str(caught.value)
    assert not ActualSpend.objects.exists()
    assert not SpendImport.objects.exists()


def test_only_finance_officers_import(pool, user_for) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_spend(actor=user_for("analyst"), pool=pool, file_name="a.csv", content=SPEND)


def test_forecast_adds_spend_and_care_plan_commitments(pool, finance) -> None:
    import_spend(actor=finance, pool=pool, file_name="a.csv", content=SPEND)

    def one_plan(_pool):
        # £700 a week of home care from 1 June to 30 June 2026 inclusive: 30 days = 30/7 weeks.
        return [
            commitments.PlannedCost(
                "home_care", Decimal("700"), date(2026, 6, 1), date(2026, 6, 30), "plan-1"
            )
        ]

    commitments.register_source("test", one_plan)
    try:
        forecast = latest_forecast(pool)
    finally:
        commitments._sources.pop("test")
    home_care = next(line for line in forecast.lines if line.name == "home-care")
    assert forecast.as_of == date(2026, 5, 31)
    assert home_care.actual_to_date == Decimal("440000.00")
    assert home_care.committed == Decimal("3000.00")  # 700 × 30 / 7
    # Not covered by plans: the plan starts in June, so it covered nothing of April's 210,000 or
    # May's 230,000: (210,000 + 230,000) / 2 = 220,000 a month × 10 months = 2,200,000 projected;
    # the June plan is counted once, as a commitment.
    assert home_care.projected == Decimal("2200000.00")
    assert home_care.forecast == Decimal("2643000.00")
    assert home_care.status == "on_track"


def test_pool_page_shows_chart_tables_and_warnings(client, pool, finance) -> None:
    client.force_login(finance)
    html = client.get(f"/funding/pools/{pool.pk}/").content.decode()
    assert "Forecast outturn against budget, by month" in html
    assert "Reablement and intermediate care" in html
    assert "Forecast warnings" in html  # nothing spent yet: every line is under budget
    assert "Home care is forecast to underspend by £2,600,000.00" in html
    assert "Import spend" in html


def test_uploading_a_bad_file_shows_every_problem(client, pool, finance) -> None:
    client.force_login(finance)
    upload = io.BytesIO(b"service_line,month,amount\nnope,2026-04,1\n")
    upload.name = "bad.csv"
    response = client.post(f"/funding/pools/{pool.pk}/import/", {"spend_file": upload})
    assert response.status_code == 400
    assert "bad.csv, row 2, service_line" in response.content.decode()


def test_export_is_a_csv_of_monthly_forecasts(client, pool, finance) -> None:
    import_spend(actor=finance, pool=pool, file_name="a.csv", content=SPEND)
    client.force_login(finance)
    response = client.get(f"/funding/pools/{pool.pk}/forecast.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["as_of", "level", "name"]
    months = sorted({row[0] for row in rows[1:]})
    assert months == ["2026-04-30", "2026-05-31"]
    assert len(rows) == 1 + 2 * (5 + 2)  # two months × (five lines + two partners)
    assert "projected_uncommitted" in rows[0]
    assert all("last three months" in row[-1] for row in rows[1:])  # the method, on every row


def test_in_november_the_demo_pool_projects_its_outturn(client, demo_directory, user_for) -> None:
    """Seven months of spend at each line's run rate and few care plans: the forecast carries the
    run rate to March instead of showing every line as an underspend (#18)."""
    pool = load_demo_pool(TODAY)
    forecast = latest_forecast(pool)
    statuses = {line.name: line.status for line in forecast.lines}
    assert forecast.as_of == date(2026, 10, 31)
    assert statuses["home-care"] == "over"  # running at 109% of a twelfth a month
    assert statuses["community-health"] == "on_track"
    assert set(statuses.values()) != {"under"}
    client.force_login(user_for("finance"))
    html = client.get(f"/funding/pools/{pool.pk}/").content.decode()
    assert "How the forecast is made" in html and "Projected at recent rate" in html


def test_practitioners_cannot_see_pools(client, pool, user_for) -> None:
    client.force_login(user_for("nurse"))
    assert client.get(f"/funding/pools/{pool.pk}/").status_code == 403


def test_commitments_count_only_lines_the_pool_pays_for(pool, finance) -> None:
    """£700 a week of home care each: council-arranged is the pool's commitment; the same care
    self-funded, under CHC or as s117 aftercare is paid outside the pool and is not."""

    def plans(_pool):
        return [
            commitments.PlannedCost(
                "home_care", Decimal("700"), date(2026, 6, 1), date(2026, 6, 30), ref, stream
            )
            for ref, stream in [
                ("council", "council"),
                ("self", "person_self_funded"),
                ("chc", "nhs_chc"),
                ("s117", "s117"),
            ]
        ]

    commitments.register_source("test", plans)
    try:
        forecast = latest_forecast(pool)
    finally:
        commitments._sources.pop("test")
    home_care = next(line for line in forecast.lines if line.name == "home-care")
    assert home_care.committed == Decimal("3000.00")  # the council line only: 700 × 30 / 7


def test_spend_names_a_line_by_its_code_or_the_name_the_page_shows(pool, finance) -> None:
    content = (
        b"service_line,month,amount\n"
        b"Home care,2026-04,1000\n"
        b"reablement and intermediate care,2026-04,2000\n"
        b"community-health,2026-04,3000\n"
    )
    summary = import_spend(actor=finance, pool=pool, file_name="names.csv", content=content)
    assert summary.inserted == 3
    assert ActualSpend.objects.get(line__code="reablement").amount == Decimal("2000")


def test_an_unknown_line_is_refused_naming_the_lines_that_exist(pool, finance) -> None:
    with pytest.raises(SpendFileError) as refused:
        import_spend(
            actor=finance,
            pool=pool,
            file_name="x.csv",
            content=b"service_line,month,amount\nDomiciliary care,2026-04,1\n",
        )
    message = str(refused.value.problems[0])
    assert "no line 'Domiciliary care'" in message
    assert "home-care (Home care)" in message and "carers (Carer support)" in message
    assert not ActualSpend.objects.exists()
