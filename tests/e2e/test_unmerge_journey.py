"""A reviewer finds a wrong merge from the linkage review queue, confirms with a reason and undoes
it; every page is accessible (axe)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from caretrust.people.models import Merge
from caretrust.people.services import merge_people
from tests.factories import person_row


@pytest.fixture
def wrong_merge(demo_directory) -> Merge:
    kept = person_row(
        given_name="Ivy", family_name="Treloar", birth_date=date(1933, 12, 24), sex="female"
    )
    other = person_row(
        given_name="Ivy", family_name="Treloar", birth_date=date(1953, 12, 24), sex="female"
    )
    return merge_people(
        actor=None, survivor=kept, merged=other, reason="linkage", match_probability=0.91
    )


def test_reviewer_undoes_a_wrong_merge(page, assert_accessible, wrong_merge, sign_in) -> None:
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Linkage review").click()
    expect(page.get_by_role("heading", name="Recent merges")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Undo this merge of Ivy TRELOAR").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Undo a merge")
    assert_accessible(page)
    page.get_by_role("button", name="Undo the merge").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why are these not the same person?").fill(
        "Born twenty years apart: mother and daughter"
    )
    page.get_by_role("button", name="Undo the merge").click()
    expect(page.get_by_text("Merge undone: Ivy TRELOAR and Ivy TRELOAR")).to_be_visible()
    expect(page.get_by_text("Undone on")).to_be_visible()
    assert_accessible(page)
    wrong_merge.refresh_from_db()
    assert wrong_merge.undone_at is not None
