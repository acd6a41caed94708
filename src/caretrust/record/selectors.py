"""Reads of the shared record. A person's record is their own records plus those of everyone
merged into them (merges never move records)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from caretrust.people import nhs_number
from caretrust.people.models import Person
from caretrust.record.models import AboutMe, Resource, TimelineEvent


def record_people_ids(person: Person) -> list[int]:
    """The person and everyone merged into them, however deep."""
    ids, frontier = [person.pk], [person.pk]
    while frontier:
        frontier = list(
            Person.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def timeline(person_ids: list[int], *, sector: str = "", kind: str = "") -> QuerySet:
    events = TimelineEvent.objects.filter(person_id__in=person_ids)
    if sector:
        events = events.filter(sector=sector)
    if kind:
        events = events.filter(kind=kind)
    return events.order_by("-date", "-id")


def timeline_kinds(person_ids: list[int]) -> list[str]:
    kinds = TimelineEvent.objects.filter(person_id__in=person_ids).values_list("kind", flat=True)
    return sorted(set(kinds.distinct()))


def alerts(person_ids: list[int]) -> QuerySet:
    return Resource.objects.filter(person_id__in=person_ids, resource_type="Flag").exclude(
        status="inactive"
    )


def carers(person_ids: list[int]) -> QuerySet:
    return Resource.objects.filter(person_id__in=person_ids, resource_type="RelatedPerson")


def current_about_me(person: Person) -> AboutMe | None:
    return AboutMe.objects.filter(person=person).order_by("-version").first()


def search_people(*, name: str = "", nhs: str = "", birth_date: date | None = None) -> QuerySet:
    """Active people matching every term given (name matches given or family name)."""
    people = Person.objects.active().select_related("gp_practice")
    if nhs:
        people = people.filter(
            identifiers__system=nhs_number.SYSTEM, identifiers__value=nhs_number.normalise(nhs)
        )
    for word in name.split():
        people = people.filter(Q(family_name__istartswith=word) | Q(given_name__istartswith=word))
    if birth_date:
        people = people.filter(birth_date=birth_date)
    return people.distinct().order_by("family_name", "given_name", "pk")
