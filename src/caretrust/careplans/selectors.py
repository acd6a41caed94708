"""Reads of care plans and visits."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from caretrust.careplans.models import CarePlan, Visit
from caretrust.organisations.models import User
from caretrust.people.models import Person
from caretrust.referrals.selectors import user_team_ids


def team_visits(user: User, day: date) -> list[Visit]:
    """The visits on `day` for the user's teams, or assigned to the user (merged ones excluded)."""
    return list(team_visits_query(user, day))


def team_visits_query(user: User, day: date) -> QuerySet[Visit]:
    """`team_visits` as a query, so a summary can count them and show the first few."""
    from django.db.models import Q

    return (
        Visit.objects.filter(Q(team_id__in=user_team_ids(user)) | Q(practitioner=user), date=day)
        .exclude(status__in=[Visit.Status.MERGED, Visit.Status.CANCELLED])
        .select_related("person", "organisation", "team", "practitioner", "planned_service")
        .order_by("time", "person__family_name", "kind", "sequence")
    )


def next_planned_visits(person_ids: set[int], start: date, days: int = 14) -> dict[int, Visit]:
    """Each person's first planned visit from `start` to `days` later, for many people in one
    query (what a list of people shows beside each: "next visit")."""
    from datetime import timedelta

    from django.db.models import OuterRef, Subquery

    if not person_ids:
        return {}
    first = (
        Visit.objects.filter(
            person=OuterRef("pk"),
            status=Visit.Status.PLANNED,
            date__gte=start,
            date__lte=start + timedelta(days=days),
        )
        .order_by("date", "sequence", "id")
        .values("pk")[:1]
    )
    firsts = Person.objects.filter(pk__in=person_ids).annotate(visit=Subquery(first))
    return {
        visit.person_id: visit
        for visit in Visit.objects.filter(pk__in=firsts.values("visit")).select_related(
            "organisation", "team", "practitioner"
        )
    }


def current_plan(person: Person) -> CarePlan | None:
    return (
        CarePlan.objects.filter(person=person, status__in=["draft", "active"])
        .select_related("coordinator", "person")
        .first()
    )


def upcoming_visits(person: Person, start: date, days: int = 14) -> list[Visit]:
    from datetime import timedelta

    return list(
        Visit.objects.filter(person=person, date__gte=start, date__lte=start + timedelta(days=days))
        .exclude(status__in=[Visit.Status.MERGED, Visit.Status.CANCELLED])
        .select_related("organisation", "team", "practitioner")
        .order_by("date", "sequence")
    )
