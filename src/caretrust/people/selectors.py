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
