"""The Content-Security-Policy breaks nothing in a real browser: no violation is reported on the
main pages (charts, htmx, the NHS.UK frontend, the authenticator QR code), the page still knows it
has JavaScript, and chart colours survive without inline styles (issue #13, ADR 45)."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from caretrust.funding.demo import load_demo_pool
from caretrust.portal.demo import load_demo_people

COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def watch(page) -> list[str]:
    messages: list[str] = []
    page.add_init_script(COLLECT)
    page.on(
        "console",
        lambda message: (
            messages.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return messages


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_main_pages_report_no_policy_violation(page, sign_in, settings, tmp_path) -> None:
    from caretrust.outcomes.published import compute_published, write_published
    from caretrust.synthetic import SyntheticConfig, write

    write(SyntheticConfig(people=800, years=3, seed=2), tmp_path / "place", formats=("parquet",))
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    write_published(compute_published(tmp_path / "place"), tmp_path / "published")
    messages = watch(page)
    pool = load_demo_pool(date(2026, 11, 23))
    edith = load_demo_people()
    seen: list[str] = []

    sign_in(page, "finance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Finance officer home")
    assert "js-enabled" in (page.locator("body").get_attribute("class") or "")
    seen += violations(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Pooled budgets").click()
    page.get_by_role("link", name=re.compile(pool.name)).click()
    chart = page.get_by_role("img", name="Forecast outturn against budget, by month")
    expect(chart).to_be_visible()
    # Colours come from presentation attributes now: at least one shape is filled in colour.
    fills = page.evaluate(
        """() => [...document.querySelectorAll('figure svg path, figure svg rect')]
             .map((el) => getComputedStyle(el).fill)"""
    )
    assert any(fill not in {"rgb(0, 0, 0)", "none"} for fill in fills), fills[:10]
    seen += violations(page)
    page.get_by_role("button", name="Sign out").click()

    # The outcome charts are drawn by matplotlib, whose SVG styles shapes inline.
    sign_in(page, "analyst")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes").click(
        timeout=90_000  # a chart per indicator, drawn on the first view
    )
    expect(page.locator("figure svg").first).to_be_visible()
    fills = page.evaluate(
        """() => [...document.querySelectorAll('figure svg path')]
             .map((el) => getComputedStyle(el).stroke)"""
    )
    assert any(stroke not in {"rgb(0, 0, 0)", "none"} for stroke in fills), fills[:10]
    seen += violations(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "coordinator")
    seen += violations(page)
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    seen += violations(page)
    menu.get_by_role("link", name="People").click()
    page.get_by_label("Name").fill("Smith")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=edith.display_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    seen += violations(page)
    page.get_by_role("button", name="Sign out").click()

    settings.CARETRUST_REQUIRE_TOTP = True
    sign_in(page, "nurse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code to add caretrust")).to_be_visible()
    seen += violations(page)

    assert seen == [], seen
    assert messages == [], messages
