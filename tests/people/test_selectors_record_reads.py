"""Issue #14: the linkage review and demographic correction pages read people through selectors
that authorise the page's rule and record the read (ADR 101, ADR 107); their views record nothing
by hand. For each: an allowed viewer gets the data and a read row naming each person shown; a
viewer without the role (or the relationship) is refused and nothing is recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from caretrust.access.models import AuditEvent
from caretrust.people import selectors
from caretrust.people.models import LinkCandidate
from tests.people.test_correct_demographics import person, referral  # noqa: F401  (fixtures)
from tests.people.test_unmerge_page import wrongly_joined  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def read_refs(viewer, object_type: str) -> set[str]:
    rows = AuditEvent.objects.filter(action="read", actor=viewer, object_type=object_type)
    return set(rows.values_list("person_ref", flat=True))


@pytest.fixture
def candidate(wrongly_joined):  # noqa: F811
    return LinkCandidate.objects.create(
        incoming=wrongly_joined.merged,
        existing=wrongly_joined.survivor,
        match_probability=0.7,
        match_weight=3.2,
        comparisons={},
    )


def test_the_review_queue_records_both_sides_of_each_possible_match(user_for, candidate):
    coordinator = user_for("coordinator")
    page = selectors.review_queue_page(coordinator, 1)
    assert [c.pk for c in page] == [candidate.pk]
    assert read_refs(coordinator, "people.link_candidate") == {
        candidate.incoming.audit_ref,
        candidate.existing.audit_ref,
    }
    gp = user_for("gp")
    with pytest.raises(PermissionDenied):
        selectors.review_queue_page(gp, 1)
    assert not read_refs(gp, "people.link_candidate")


def test_a_possible_match_records_both_people_with_the_reason(user_for, candidate):
    coordinator = user_for("coordinator")
    assert selectors.candidate_for_review(coordinator, candidate.pk) == candidate
    rows = AuditEvent.objects.filter(actor=coordinator, object_type="people.person")
    assert {r.person_ref for r in rows} == {
        candidate.incoming.audit_ref,
        candidate.existing.audit_ref,
    }
    assert {r.reason for r in rows} == {"linkage review"}
    gp = user_for("gp")
    with pytest.raises(PermissionDenied):
        selectors.candidate_for_review(gp, candidate.pk)
    assert not AuditEvent.objects.filter(action="read", actor=gp).exists()


def test_the_merge_to_undo_records_both_sides(user_for, wrongly_joined):  # noqa: F811
    coordinator = user_for("coordinator")
    assert selectors.merge_to_undo(coordinator, wrongly_joined.pk) == wrongly_joined
    assert read_refs(coordinator, "people.merge") == {
        wrongly_joined.survivor.audit_ref,
        wrongly_joined.merged.audit_ref,
    }
    gp = user_for("gp")
    with pytest.raises(PermissionDenied):
        selectors.merge_to_undo(gp, wrongly_joined.pk)
    assert not read_refs(gp, "people.merge")


def test_the_person_to_correct_is_read_only_by_who_may_correct(user_for, referral):  # noqa: F811
    coordinator = user_for("coordinator")  # the named co-ordinator who claimed the referral
    mary = referral.person
    assert selectors.person_to_correct(coordinator, mary.ref) == mary
    row = AuditEvent.objects.get(action="read", actor=coordinator, person_ref=mary.audit_ref)
    assert row.object_type == "people.person"
    nurse = user_for("nurse")  # no relationship with this person
    with pytest.raises(PermissionDenied):
        selectors.person_to_correct(nurse, mary.ref)
    assert not AuditEvent.objects.filter(action="read", actor=nurse).exists()
