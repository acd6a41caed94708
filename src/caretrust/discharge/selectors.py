"""Reads of discharges: the co-ordinators' wait list by pathway (calendar days since ready, in
Europe/London by caretrust.clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from caretrust import clock
from caretrust.discharge.models import Discharge, Pathway
from caretrust.organisations.models import User


def waiting(user: User) -> QuerySet[Discharge]:
    """Discharges waiting in the user's localities (a co-ordinator's patch)."""
    from caretrust.referrals.selectors import user_localities

    return Discharge.objects.filter(
        status=Discharge.Status.AWAITING, referral__locality__in=user_localities(user)
    )


def days_since_ready(discharge: Discharge, today: date | None = None) -> int:
    """Calendar days from the ready date to today (negative: not ready yet)."""
    return ((today or clock.today()) - discharge.ready_date).days


@dataclass(frozen=True)
class WaitRow:
    uuid: str
    person: str
    reference: str
    ready_date: date
    days: int
    days_text: str


@dataclass(frozen=True)
class PathwayGroup:
    pathway: int
    label: str
    rows: list[WaitRow]


def worklist(user: User, pathway: int | None = None) -> tuple[list[PathwayGroup], list[Discharge]]:
    """Waiting discharges grouped by pathway, longest wait first; and the records shown."""
    from caretrust.discharge.access_rules import _days_text

    today = clock.today()
    records = list(
        waiting(user)
        .select_related("person", "referral")
        .order_by("pathway", "ready_date", "pk")[:500]
    )
    if pathway is not None:
        records = [d for d in records if d.pathway == pathway]
    groups = []
    for value, label in Pathway.choices:
        rows = [
            WaitRow(
                uuid=str(d.uuid),
                person=d.person.display_name,
                reference=d.referral.reference,
                ready_date=d.ready_date,
                days=days_since_ready(d, today),
                days_text=_days_text(days_since_ready(d, today)),
            )
            for d in records
            if d.pathway == value
        ]
        if pathway is None or value == pathway:
            groups.append(PathwayGroup(value, label, rows))
    return groups, records


# The indicators' inputs (figures about no one: not audited as reads of a record) -------------


def discharged(first: date | None = None, last: date | None = None):
    """Every recorded discharge (optionally by discharge date) as `indicators.Discharged`."""
    from caretrust.discharge.indicators import Discharged

    rows = Discharge.objects.filter(status=Discharge.Status.DISCHARGED)
    if first is not None:
        rows = rows.filter(discharged_on__gte=first)
    if last is not None:
        rows = rows.filter(discharged_on__lte=last)
    return [
        Discharged(pathway, ready, left)
        for pathway, ready, left in rows.values_list("pathway", "ready_date", "discharged_on")
    ]


def reablement_outcomes(first: date, last: date) -> list[str]:
    """The outcomes of reablement episodes that ended in [first, last]."""
    from caretrust.entitlements.models import ReablementEpisode

    return list(
        ReablementEpisode.objects.filter(
            status=ReablementEpisode.Status.ENDED, end__gte=first, end__lte=last
        ).values_list("outcome", flat=True)
    )


def reabled_discharges():
    """People discharged into reablement (a discharge with a linked episode) and what followed."""
    from caretrust.discharge.indicators import ReabledDischarge

    reabled = list(
        Discharge.objects.filter(status=Discharge.Status.DISCHARGED, reablement__isnull=False)
        .select_related("person")
        .order_by("pk")
    )
    person_ids = {d.person_id for d in reabled}
    # Another hospital discharge referral for the person is a readmission (made while they are in
    # hospital again); another discharge on pathway 3 a care-home start.
    admissions: dict[int, list[tuple[int, date]]] = {}
    care_homes: dict[int, list[tuple[int, date]]] = {}
    for pk, person_id, created, status, pathway, left in Discharge.objects.filter(
        person_id__in=person_ids
    ).values_list("pk", "person_id", "created_at", "status", "pathway", "discharged_on"):
        admissions.setdefault(person_id, []).append((pk, clock.local_date(created)))
        if status == Discharge.Status.DISCHARGED and pathway == Pathway.CARE_HOME:
            care_homes.setdefault(person_id, []).append((pk, left))
    cases = []
    for d in reabled:
        born = d.person.birth_date
        age = (
            d.discharged_on.year
            - born.year
            - ((d.discharged_on.month, d.discharged_on.day) < (born.month, born.day))
            if born
            else 0
        )
        cases.append(
            ReabledDischarge(
                discharged_on=d.discharged_on,
                age=age,
                death_date=d.person.death_date,
                later_admissions=tuple(
                    a
                    for pk, a in admissions.get(d.person_id, [])
                    if pk != d.pk and a > d.discharged_on
                ),
                care_home_starts=tuple(
                    c
                    for pk, c in care_homes.get(d.person_id, [])
                    if pk != d.pk and c > d.discharged_on
                ),
            )
        )
    return cases
