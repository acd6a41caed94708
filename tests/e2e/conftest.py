"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make deps does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, demo_directory) -> Iterator:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    # 30 s: a first page can take a while on a loaded 2-core machine (the first outcomes page
    # draws its charts); a real failure still fails, only later.
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def assert_accessible():
    """`assert_accessible(page)`: axe-core finds no violations on the page as it stands."""
    axe = Axe()

    def check(page) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()

    return check


@pytest.fixture(scope="session")
def sign_in():
    """`sign_in(page, "gp")`: sign in through the form as a demo user."""
    from caretrust.organisations.demo import DEMO_PASSWORD

    def sign_in_as(page, username: str) -> None:
        page.goto("/sign-in/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    return sign_in_as
