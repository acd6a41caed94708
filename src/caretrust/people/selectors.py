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


def merges_into_record(person: Person) -> list[Merge]:
    """Merges into the person or into anyone merged into them, standing or undone, newest
    first."""
    return list(_merges().filter(survivor_id__in=record_people_ids(person)).order_by("-merged_at"))


def recent_merges(limit: int) -> list[Merge]:
    """The newest merges still standing (what a reviewer may want to take back)."""
    return list(_merges().filter(undone_at__isnull=True).order_by("-merged_at", "-id")[:limit])
