"""A GP finds a patient, reads the record (accessible), writes About me; a nurse without a
relationship is refused and uses break-glass."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from caretrust.people.models import Person
from caretrust.record.models import TimelineEvent
from tests.factories import patient_at_demo_practice, resource_row


@pytest.fixture
def ivy(demo_directory) -> Person:
    person = patient_at_demo_practice("Ivy", "Treloar", date(1933, 12, 24), "TQ1 2AB")
    resource_row(person, "Encounter", when=date(2024, 3, 1), summary="Emergency admission")
    TimelineEvent.objects.create(
        person=person,
        date=date(2024, 3, 9),
        sector="social_care",
        source="cld:E06000027",
        kind="social care service",
        summary="Service: reablement",
    )
    return person


def test_gp_finds_reads_and_writes_about_me(page, assert_accessible, ivy, sign_in) -> None:
    sign_in(page, "gp")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    assert_accessible(page)
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ivy TRELOAR").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ivy TRELOAR")
    expect(page.get_by_text("Service: reablement")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sector").select_option("health")
    page.get_by_role("button", name="Filter timeline").click()
    expect(page.get_by_text("Emergency admission")).to_be_visible()
    assert page.get_by_text("Service: reablement").count() == 0
    page.get_by_role("link", name="Change About me").click()
    assert_accessible(page)
    page.get_by_label("What matters to me").fill("Getting back to my allotment")
    page.get_by_role("button", name="Save About me").click()
    expect(page.get_by_text("Getting back to my allotment")).to_be_visible()


def test_nurse_is_refused_then_uses_break_glass(page, assert_accessible, ivy, sign_in) -> None:
    sign_in(page, "nurse")
    # The nurse finds Ivy in the people index (names, no record) and opens her: refused.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ivy TRELOAR").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this record")
    assert_accessible(page)
    page.get_by_role("button", name="See the record (break-glass)").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The person has consented").check()
    page.get_by_label("Your reason").fill("Ivy asked me to check her discharge plan")
    page.get_by_role("button", name="See the record (break-glass)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ivy TRELOAR")
