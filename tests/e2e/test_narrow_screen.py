"""At 390 px wide (a phone) no page scrolls sideways (issue #15): each role's home page and the
pages linked from it, reached by clicking, with axe on each. The header navigation collapses
into NHS.UK's "More" menu; wide tables scroll inside their own container, not the page."""

from __future__ import annotations

import re

import pytest

from caretrust.organisations.demo import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}
ROLES = ["coordinator", "nurse", "ot", "socialworker", "gp", "admin", "privacy", "finance"]
PORTAL = ["edith", "susan"]
LINKS_PER_HOME = 8


@pytest.fixture
def phone_page(browser, live_server, demo_directory):
    from caretrust.web.demo_scenario import load_demo_scenario

    assert load_demo_scenario()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def overflow(page) -> str:
    """'' when the page fits; else its width and the widest elements sticking out."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return ""
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.nhsuk-table-container'))
          .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""
    )
    return f"{page.url} is {width} px wide: {culprits}"


@pytest.mark.parametrize("username", ROLES + PORTAL)
def test_no_page_scrolls_sideways_at_390_px(phone_page, assert_accessible, username) -> None:
    page = phone_page
    sign_in_as(page, username)
    problems = [overflow(page)]
    assert not problems[0], problems[0]
    assert_accessible(page)
    home = page.url
    links = page.locator("main a[href^='/']")
    count = min(links.count(), LINKS_PER_HOME)
    for index in range(count):
        target = page.locator("main a[href^='/']").nth(index)
        href = target.get_attribute("href") or ""
        if "fhir" in href or href.endswith(".json") or href.endswith(".csv"):
            continue
        target.click()
        page.wait_for_load_state()
        problems.append(overflow(page))
        assert not problems[-1], problems[-1]
        assert_accessible(page)
        page.go_back()
        page.wait_for_url(home)
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
