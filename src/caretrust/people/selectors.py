"""Reads of the people index: the tree of merges behind a record."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.people.models import Merge, Person


def record_people_ids(person: Person) -> list[int]:
    """The person and everyone merged into them, however deep."""
    if getattr(person, "has_merged_people", True) is False:
        return [person.pk]
    ids, frontier = [person.pk], [person.pk]
    while frontier:
        frontier = list(
            Person.objects.filter(merged_into_id__in=frontier)
            .order_by()  # no sort by name: only the ids are wanted
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def _merges() -> QuerySet:
    return Merge.objects.select_related("survivor", "merged", "merged_by", "undone_by")


def _merges_shown(viewer, merges: list[Merge], page: str) -> list[Merge]:
    """Merges for a reviewer: names and dates of birth of the people on both sides are shown,
    so each is recorded as read ("people.merge"). Authorised by the `people.unmerge` role (those
    who decide whether two records are one person), not a relationship: a viewer without it gets
    nothing (ADR 101, ADR 108)."""
    from caretrust.access import audit, policy

    if not policy.decide(viewer, "people.unmerge").allowed:
        return []
    refs = sorted({p.audit_ref for m in merges for p in (m.survivor, m.merged)})
    if refs:
        audit.record_reads(
            actor=viewer, person_refs=refs, object_type="people.merge", details={"page": page}
        )
    return merges


def merges_into_record(person: Person, *, viewer) -> list[Merge]:
    """Merges into the person or into anyone merged into them, standing or undone, newest
    first; each side recorded as read by `viewer`."""
    merges = list(
        _merges().filter(survivor_id__in=record_people_ids(person)).order_by("-merged_at")
    )
    return _merges_shown(viewer, merges, "merges of a record")


def recent_merges(limit: int, *, viewer) -> list[Merge]:
    """The newest merges still standing (what a reviewer may want to take back); each side
    recorded as read by `viewer`."""
    merges = list(_merges().filter(undone_at__isnull=True).order_by("-merged_at", "-id")[:limit])
    return _merges_shown(viewer, merges, "recent merges")


# Pages of the linkage review and the demographic correction: each selector authorises its page's
# own rule and records what it shows (ADR 101, ADR 107), so the views record nothing by hand.


def review_queue_page(viewer, page_number, *, per_page: int = 25):
    """A page of the possible matches waiting for a reviewer (`people.review_links`; else
    PermissionDenied): both sides' names and details are on it, so each person shown is recorded
    as read."""
    from django.core.paginator import Paginator

    from caretrust.access import audit, policy
    from caretrust.people.models import LinkCandidate

    policy.require(viewer, "people.review_links")
    pending = LinkCandidate.objects.filter(status=LinkCandidate.Status.PENDING).select_related(
        "incoming", "existing"
    )
    page = Paginator(pending, per_page).get_page(page_number)
    refs = sorted({p.audit_ref for c in page for p in (c.incoming, c.existing)})
    if refs:
        audit.record_reads(
            actor=viewer,
            person_refs=refs,
            object_type="people.link_candidate",
            details={"page": "possible matches"},
        )
    return page


def candidate_for_review(viewer, pk: int):
    """One possible match for its review page (`people.review_links`; Http404 if none): both
    people recorded as read, with the reason "linkage review"."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit, policy
    from caretrust.people.models import LinkCandidate

    decision = policy.require(viewer, "people.review_links")
    candidate = get_object_or_404(
        LinkCandidate.objects.select_related("incoming", "existing"), pk=pk
    )
    for person in (candidate.incoming, candidate.existing):
        audit.person_read(
            viewer,
            person,
            purpose="people.link_candidate",
            obj=person,
            reason="linkage review",
            decision=decision,
        )
    return candidate


def merge_to_undo(viewer, pk: int) -> Merge:
    """One merge for the undo page (`people.unmerge`; Http404 if none): both sides recorded as
    read."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import policy

    policy.require(viewer, "people.unmerge")
    merge = get_object_or_404(_merges(), pk=pk)
    _merges_shown(viewer, [merge], "undo a merge")
    return merge


def person_to_correct(viewer, ref) -> Person:
    """The person whose demographics `viewer` corrects (`people.correct_demographics`; Http404
    for a merged-away or unknown record), the read recorded."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit

    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        "people.correct_demographics",
        person,
        person=person,
        purpose="people.correct_details",
        obj=person,
    )
    return person
