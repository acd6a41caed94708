"""Undoing a merge from the web: listed from the person page and the review queue, confirmed with a
reason, done by the service (authorised, audited), refused to roles that do not review linkage."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Organisation
from caretrust.people.models import Merge
from caretrust.people.selectors import record_people_ids
from caretrust.people.services import merge_people
from tests.factories import person_row, resource_row


@pytest.fixture
def wrongly_joined(demo_directory) -> Merge:
    """Two different Edith Smiths joined by linkage: the kind of mistake a reviewer undoes."""
    practice = Organisation.objects.get(code="DEMO-GP1")
    kept = person_row(
        given_name="Edith",
        family_name="Smith",
        birth_date=date(1941, 3, 2),
        sex="female",
        postcode="TQ1 1AA",
        gp_practice=practice,
    )
    other = person_row(
        given_name="Edith",
        family_name="Smith",
        birth_date=date(1942, 3, 2),
        sex="female",
        postcode="TQ2 5ZZ",
    )
    for person, summary in ((kept, "Kept Edith's visit"), (other, "Other Edith's care")):
        resource_row(person, "Encounter", when=date(2024, 1, 1), summary=summary)
    return merge_people(
        actor=None, survivor=kept, merged=other, reason="linkage", match_probability=0.93
    )


def test_the_person_page_links_to_the_merges_for_a_reviewer(client, user_for, wrongly_joined):
    # the practice's GP sees the record but does not review linkage
    client.force_login(user_for("gp"))
    page = client.get(reverse("record:person", args=[wrongly_joined.survivor.ref]))
    assert "See or undo the merges" not in page.content.decode()  # a GP does not review links

    coordinator = user_for("coordinator")  # reviews linkage; here working at the practice
    coordinator.organisation = wrongly_joined.survivor.gp_practice
    coordinator.save()
    client.force_login(coordinator)
    html = client.get(reverse("record:person", args=[wrongly_joined.survivor.ref])).content
    assert reverse("people:person_merges", args=[wrongly_joined.survivor.ref]) in html.decode()


def test_a_reviewer_lists_merges_and_undoes_one_with_a_reason(client, user_for, wrongly_joined):
    kept, other = wrongly_joined.survivor, wrongly_joined.merged
    coordinator = user_for("coordinator")
    client.force_login(coordinator)

    listed = client.get(reverse("people:person_merges", args=[kept.ref]))
    assert listed.status_code == 200
    html = listed.content.decode()
    assert "Linkage model (automatic) (match probability 93.0%)" in html
    assert "2 March 1942" in html and "TQ2 5ZZ" in html
    undo_url = reverse("people:undo_merge", args=[wrongly_joined.pk])
    assert undo_url in html
    # the merged-away person's own address leads to the same list
    assert client.get(reverse("people:person_merges", args=[other.ref])).status_code == 302
    # the names on the page are personal data: each person shown is audited
    shown = AuditEvent.objects.filter(action="read", object_type="people.merge", actor=coordinator)
    assert set(shown.values_list("person_ref", flat=True)) == {kept.audit_ref, other.audit_ref}

    confirm = client.get(undo_url)
    assert confirm.status_code == 200 and "Undo the merge" in confirm.content.decode()
    assert Merge.objects.get(pk=wrongly_joined.pk).undone_at is None  # asking changes nothing

    missing = client.post(undo_url, {"reason": ""})
    assert missing.status_code == 200
    assert "Say why these records are not the same person" in missing.content.decode()
    assert Merge.objects.get(pk=wrongly_joined.pk).undone_at is None

    done = client.post(undo_url, {"reason": "Different dates of birth, confirmed with the GP"})
    assert done.status_code == 302 and done["Location"] == reverse(
        "people:person_merges", args=[kept.ref]
    )
    merge = Merge.objects.get(pk=wrongly_joined.pk)
    assert merge.undone_by == coordinator and merge.undone_at is not None
    other.refresh_from_db()
    assert other.merged_into is None
    assert record_people_ids(kept) == [kept.pk] and record_people_ids(other) == [other.pk]
    event = AuditEvent.objects.get(object_type="people.merge", action="update", actor=coordinator)
    assert event.reason == "un-merge: Different dates of birth, confirmed with the GP"
    assert event.details["restored"] == other.audit_ref

    result = client.get(done["Location"]).content.decode()
    assert "Merge undone: Edith SMITH and Edith SMITH are separate records again" in result
    assert "Undone on" in result and undo_url not in result


def test_an_undone_merge_cannot_be_undone_again(client, user_for, wrongly_joined):
    client.force_login(user_for("admin"))
    undo_url = reverse("people:undo_merge", args=[wrongly_joined.pk])
    client.post(undo_url, {"reason": "Two different people, checked by phone"})
    again = client.post(undo_url, {"reason": "Two different people, checked by phone"})
    assert again.status_code == 302
    undone = AuditEvent.objects.filter(object_type="people.merge", reason__startswith="un-merge")
    assert undone.count() == 1


def test_the_review_queue_lists_recent_merges_to_undo(client, user_for, wrongly_joined):
    client.force_login(user_for("admin"))
    html = client.get(reverse("people:link_queue")).content.decode()
    assert "Recent merges" in html
    assert reverse("people:undo_merge", args=[wrongly_joined.pk]) in html


@pytest.mark.parametrize("username", ["gp", "nurse", "finance", "analyst", "privacy"])
def test_roles_that_do_not_review_linkage_may_not_undo(client, user_for, wrongly_joined, username):
    client.force_login(user_for(username))
    undo_url = reverse("people:undo_merge", args=[wrongly_joined.pk])
    assert client.get(undo_url).status_code == 403
    assert client.post(undo_url, {"reason": "I think these are two people"}).status_code == 403
    merges = reverse("people:person_merges", args=[wrongly_joined.survivor.ref])
    assert client.get(merges).status_code == 403
    assert Merge.objects.get(pk=wrongly_joined.pk).undone_at is None
