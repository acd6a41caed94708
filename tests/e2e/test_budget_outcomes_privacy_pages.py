"""The finance, outcomes and privacy pages in a real browser, each checked with axe."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from caretrust.funding.demo import load_demo_pool
from caretrust.outcomes.published import compute_published, write_published


def test_the_finance_officer_reads_the_pooled_budget(page, assert_accessible, sign_in) -> None:
    pool = load_demo_pool(date(2026, 11, 23))
    sign_in(page, "finance")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Pooled budgets").click()
    page.get_by_role("link", name=f"{pool.name} {pool.financial_year_label}").click()
    expect(
        page.get_by_role("img", name="Forecast outturn against budget, by month")
    ).to_be_visible()
    lines = page.get_by_role("table", name="Service lines")
    expect(lines).to_be_visible()
    # November: the forecast carries each line's run rate to March, so home care (spending at
    # 109% of a twelfth a month) is an overspend, not one of five "underspends".
    expect(lines.get_by_role("row").filter(has_text="Home care")).to_contain_text("Red: overspend")
    expect(lines.get_by_role("columnheader", name="Projected at recent rate")).to_be_visible()
    page.get_by_text("How the forecast is made").click()
    expect(page.get_by_text(re.compile("mean of the last three months"))).to_be_visible()
    assert_accessible(page)


def test_the_analyst_reads_the_outcome_charts(
    page, assert_accessible, settings, tmp_path, sign_in
) -> None:
    from caretrust.synthetic import SyntheticConfig, write

    write(SyntheticConfig(people=800, years=3, seed=2), tmp_path / "place", formats=("parquet",))
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    write_published(compute_published(tmp_path / "place"), tmp_path / "published")
    sign_in(page, "analyst")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes").click()
    # the unit, with its period, now sits beside the figure, not in the title (ADR 62)
    expect(
        page.get_by_role("heading", name="Emergency admissions, people aged 65+", exact=True)
    ).to_be_visible()
    expect(page.get_by_text("per 100,000 per month").first).to_be_visible()
    assert page.locator("figure svg").count() >= 5
    assert_accessible(page)


def test_the_privacy_officer_pages_are_accessible(page, assert_accessible, sign_in) -> None:
    sign_in(page, "privacy")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Break-glass reviews"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Break-glass reviews")
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("events.")).to_be_visible()
    assert_accessible(page)
