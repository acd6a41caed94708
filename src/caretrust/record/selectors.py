"""Reads of the shared record. A person's record is their own records plus those of everyone
merged into them (merges never move records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value

from caretrust.access import audit
from caretrust.people import nhs_number
from caretrust.people.models import Person
from caretrust.record.models import AboutMe, Resource, TimelineEvent, with_lines


def people_for_record() -> QuerySet:
    """People with what the person page needs: their practice, and whether anyone was merged into
    them (most people: nobody, so `record_people_ids` needs no query of its own)."""
    merged = Person.objects.filter(merged_into=OuterRef("pk"))
    return Person.objects.select_related("gp_practice").annotate(has_merged_people=Exists(merged))


# The columns of a timeline line, in the order both parts of the union select them.
LINE_FIELDS = ("date", "sector", "source", "kind", "summary", "event_id", "resource_id")


@dataclass(frozen=True)
class TimelineLine:
    """One line of a person's timeline, whichever row it is read from (ADR 135): a FHIR
    resource's (`resource_id`, and `kind` its type) or a `TimelineEvent`'s (`event_id`: a social
    care event or one of caretrust's own steps)."""

    date: date | None
    sector: str
    source: str
    kind: str
    summary: str
    event_id: int | None = None
    resource_id: int | None = None


def _event_lines(person_ids: list[int]) -> QuerySet:
    return TimelineEvent.objects.filter(person_id__in=person_ids)


def _resource_lines(person_ids: list[int]) -> QuerySet:
    # Found by the (person, resource_type) index: a person has some hundreds of resources.
    return with_lines(Resource.objects.filter(person_id__in=person_ids))


class Timeline:
    """A person's timeline lines, newest first: what a paginator slices. Each slice is one
    query, a UNION ALL of their `TimelineEvent` rows and their resources' rows with a line, and
    gives `TimelineLine`s. On the same date, `TimelineEvent` lines (social care and caretrust's
    own) come before resources', then the newest row first."""

    def __init__(self, events: QuerySet, resources: QuerySet) -> None:
        no_id = Value(None, output_field=IntegerField())
        events = events.annotate(
            event_id=F("id"), resource_id=no_id, origin=Value(1, output_field=IntegerField())
        )
        resources = resources.annotate(
            kind=F("resource_type"),
            event_id=no_id,
            resource_id=F("id"),
            origin=Value(0, output_field=IntegerField()),
        )
        self._lines = (
            events.order_by()
            .values_list(*LINE_FIELDS, "origin")
            .union(resources.order_by().values_list(*LINE_FIELDS, "origin"), all=True)
            .order_by("-date", "-origin", "-event_id", "-resource_id")
        )

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [TimelineLine(*row[:7]) for row in self._lines[index]]
        return TimelineLine(*self._lines[index][:7])

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def count(self) -> int:
        return self._lines.count()


def timeline(person_ids: list[int], *, sector: str = "", kind: str = "") -> Timeline:
    """The timeline of the record of `person_ids`, newest first, filtered by sector and kind
    (a FHIR resource's kind is its type)."""
    events, resources = _event_lines(person_ids), _resource_lines(person_ids)
    if sector:
        events, resources = events.filter(sector=sector), resources.filter(sector=sector)
    if kind:
        events, resources = events.filter(kind=kind), resources.filter(resource_type=kind)
    return Timeline(events, resources)


def timeline_counts(person_ids: list[int]) -> dict[tuple[str, str], int]:
    """Lines per (sector, kind): one grouped query (a UNION ALL of the events' and the
    resources') gives both the type filter's options and the count for any filter, where a
    COUNT(*) and a DISTINCT were two round trips."""
    events = (
        _event_lines(person_ids).order_by().values_list("sector", "kind").annotate(n=Count("id"))
    )
    resources = (
        _resource_lines(person_ids)
        .order_by()
        .values_list("sector", "resource_type")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[str, str], int] = {}
    for sector, kind, n in events.union(resources, all=True):
        counts[(sector, kind)] = counts.get((sector, kind), 0) + n
    return counts


class _CountedPaginator(Paginator):
    """A paginator told its count (from `timeline_counts`) instead of asking with COUNT(*)."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


@dataclass(frozen=True)
class TimelinePage:
    events: Page
    kinds: list[str]  # every kind in the person's record, for the filter


def timeline_page(
    person: Person,
    person_ids: list[int],
    *,
    viewer,
    sector: str,
    kind: str,
    page: str | int | None,
    per_page: int,
    reason: str = "",
) -> TimelinePage:
    """One page of the timeline of `person`'s record (`person_ids`: them and everyone merged into
    them), newest first, filtered by sector and kind: two queries. Empty when `viewer` may not
    read the record; else the person page's read row is recorded (naming the page, sector and
    type shown), which the page's other parts then join (ADR 101, ADR 107)."""
    counts = timeline_counts(person_ids)
    total = sum(
        n
        for (row_sector, row_kind), n in counts.items()
        if (not sector or row_sector == sector) and (not kind or row_kind == kind)
    )
    events = timeline(person_ids, sector=sector, kind=kind)
    shown = _CountedPaginator(events, per_page, count=total).get_page(page)  # fetched when shown
    if not audit.person_read(
        viewer,
        person,
        purpose="record.person",
        obj=person,
        reason=reason,
        details={"page": shown.number, "sector": sector, "type": kind},
    ):
        return TimelinePage(events=Paginator([], per_page).get_page(1), kinds=[])
    return TimelinePage(events=shown, kinds=sorted({row_kind for _, row_kind in counts}))


def alerts_and_carers(
    person: Person, person_ids: list[int], *, viewer
) -> tuple[list[Resource], list[Resource]]:
    """A person's alerts (Flags not inactive) and carers (RelatedPerson) from their record
    (`person_ids`: them and everyone merged into them), in one query; none when `viewer` may not
    read the record, else the read is recorded (a part of the person page's row, ADR 107)."""
    alerts_found: list[Resource] = []
    carers_found: list[Resource] = []
    if not audit.person_read(viewer, person, purpose="record.alerts_and_carers"):
        return alerts_found, carers_found
    for resource in Resource.objects.filter(
        person_id__in=person_ids, resource_type__in=("Flag", "RelatedPerson")
    ).order_by("id"):
        if resource.resource_type == "RelatedPerson":
            carers_found.append(resource)
        elif resource.status != "inactive":
            alerts_found.append(resource)
    return alerts_found, carers_found


def quarantined_resource_for(viewer, pk: int) -> Resource:
    """One quarantined resource for the data-quality page: PermissionDenied (the refusal noted)
    for a viewer without the data-quality role, Http404 if there is none, else the resource with
    the read recorded (about no one: it is quarantined because nobody could be identified).
    ADR 107."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import policy

    decision = policy.require(viewer, "record.data_quality")
    resource = get_object_or_404(quarantined_resources(), pk=pk)
    audit.person_read(
        viewer,
        None,
        purpose="record.quarantined_resource",
        obj=resource,
        details={"quarantine": True},
        decision=decision,
    )
    return resource


def current_about_me(person: Person, *, viewer) -> AboutMe | None:
    """The person's latest "About me", when `viewer` may read the person's record (the read
    recorded, ADR 101); else None."""
    if not audit.person_read(viewer, person, purpose="record.about_me"):
        return None
    return AboutMe.objects.filter(person=person).order_by("-version").first()


def search_people(
    *, viewer, name: str = "", nhs: str = "", birth_date: date | None = None
) -> QuerySet:
    """Active people matching every term given (name matches given or family name). Audits
    itself (ADR 89): the people fetched are recorded as read by `viewer` ("people.search")."""
    people = Person.objects.active().select_related("gp_practice")
    if nhs:
        people = people.filter(
            identifiers__system=nhs_number.SYSTEM, identifiers__value=nhs_number.normalise(nhs)
        )
    for word in name.split():
        people = people.filter(Q(family_name__istartswith=word) | Q(given_name__istartswith=word))
    if birth_date:
        people = people.filter(birth_date=birth_date)
    return audit.audited(
        people.distinct().order_by("family_name", "given_name", "pk"),
        actor=viewer,
        object_type="people.search",
    )


def quarantined_resources():
    """Resources about someone not yet identified, oldest first (rejected ones leave the list)."""
    from caretrust.record.models import Resource

    return Resource.objects.filter(quarantined=True, rejected_at__isnull=True).order_by("pk")
