"""Sign in as each demo role in a real browser and see the right, accessible home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from caretrust.organisations.demo import DEMO_PASSWORD

HOMES = {
    "coordinator": (
        "Health and social care co-ordinator home",
        "Locality teams you route referrals to",
    ),
    "ot": ("Practitioner home", "Your teams"),
    "socialworker": ("Practitioner home", "Your teams"),
    "gp": ("Practitioner home", "Your teams"),
    "finance": ("Finance officer home", "Partner organisations"),
    "analyst": ("Commissioner or analyst home", "Partner organisations"),
    "privacy": ("Privacy officer home", "Latest audit events"),
    "admin": ("Administrator home", "Partner organisations"),
}


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_page_is_accessible(page, assert_accessible) -> None:
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to caretrust")
    assert page.get_by_role("link", name="Skip to main content").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize(("username", "expected"), HOMES.items())
def test_each_role_sees_its_home_page(page, assert_accessible, username, expected) -> None:
    title, section = expected
    sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name=section)).to_be_visible()
    header = page.get_by_role("banner")
    expect(header.get_by_text("caretrust").first).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)


def test_wrong_password_shows_an_error_summary(page, assert_accessible) -> None:
    sign_in(page, "nurse", "wrong-password")
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)


def test_sign_out_returns_to_sign_in(page) -> None:
    sign_in(page, "nurse")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to caretrust")
    page.goto("/")
    assert page.url.endswith("/sign-in/?next=/")
