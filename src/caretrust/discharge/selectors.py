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
    """Waiting discharges grouped by pathway, longest wait first; and the records shown. The list
    is scoped in the query to the user's localities (`waiting`: the rule `discharge.view` gives a
    co-ordinator), and each person shown is recorded as read ("discharge.worklist", ADR 108)."""
    from caretrust.access import audit
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
    audit.people_shown(actor=user, objects=records, object_type="discharge.worklist")
    return groups, records


def discharge(viewer: User, uuid) -> Discharge:
    """One discharge for its page (404 if there is none): authorised by `discharge.view` (a
    refusal raises PermissionDenied, noted for the audit) and recorded as read (ADR 108)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit

    found = get_object_or_404(
        Discharge.objects.select_related("person", "referral", "reablement"), uuid=uuid
    )
    audit.authorised_read(
        viewer,
        "discharge.view",
        found,
        person=found.person,
        purpose="discharge.detail",
        obj=found,
        details={"as": "discharge"},
        give_reason=True,
    )
    return found


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


# The person page's Discharge section (ADR 104) ------------------------------------------------


@dataclass(frozen=True)
class PersonPageRow:
    text: str
    href: str
    hint: str


def _delay_text(discharge: Discharge, today: date) -> str:
    """Days delayed: discharge date less ready date once discharged; days past the ready date
    while waiting (calendar days, Europe/London by caretrust.clock)."""
    from caretrust.discharge.access_rules import _days_text

    if discharge.status == Discharge.Status.DISCHARGED:
        days = discharge.delay_days or 0
        if days <= 0:
            return "discharged on the ready date" if days == 0 else "discharged before it"
        return f"{days} day{'s' if days != 1 else ''} delayed"
    if discharge.status == Discharge.Status.AWAITING:
        return _days_text(days_since_ready(discharge, today))
    return "not discharged through us"


def person_page_rows(user: User, person) -> tuple[list[PersonPageRow], list[PersonPageRow]]:
    """The person's discharges and reablement episodes the user may see, newest first, each read
    audited (as the safeguarding section audits each concern it lists). Two queries, plus the
    access decision and the audit row per record shown: each record is read under its own rule
    (`discharge.view`, else `entitlements.view`), so each keeps a row naming it (ADR 108),
    written with the request's other reads."""
    from django.urls import reverse

    from caretrust.access import audit, policy
    from caretrust.entitlements.models import ReablementEpisode

    today = clock.today()
    discharges = []
    linked: dict[int, tuple[Discharge, object]] = {}  # episode id -> its discharge, decision
    for d in (
        Discharge.objects.filter(person=person)
        .select_related("person", "referral", "reablement")
        .order_by("-ready_date", "-pk")
    ):
        decision = policy.decide(user, "discharge.view", d)
        if not decision.allowed:
            continue
        audit.person_read(
            user,
            person,
            purpose="discharge.person_page",
            obj=d,
            reason=decision.reason,
            details={"page": "person"},
            decision=decision,
            own_row=True,
        )
        if d.reablement_id:
            linked[d.reablement_id] = (d, decision)
        discharges.append(
            PersonPageRow(
                f"Pathway {d.pathway} discharge, ready {d.ready_date:%d %B %Y}",
                reverse("discharge:detail", args=[d.uuid]),
                f"{d.get_status_display()}: {_delay_text(d, today)}"
                + (f" (discharged {d.discharged_on:%d %B %Y})" if d.discharged_on else ""),
            )
        )
    episodes = []
    view = policy.decide(user, "entitlements.view", person)
    for episode in ReablementEpisode.objects.filter(person=person).order_by("-start", "-pk"):
        through, decision = linked.get(episode.pk, (None, view))
        if not decision.allowed:
            continue
        audit.person_read(
            user,
            person,
            purpose="discharge.person_page",
            obj=episode,
            reason=decision.reason,
            details={"page": "person"},
            decision=decision,
            own_row=True,
        )
        if episode.status == ReablementEpisode.Status.ACTIVE:
            state = f"in progress; free until {episode.planned_end:%d %B %Y}"
        else:
            state = f"ended {episode.end:%d %B %Y}: {episode.get_outcome_display()}"
        href = (
            reverse("discharge:detail", args=[through.uuid])
            if through is not None
            else reverse("entitlements:person", args=[person.ref])
        )
        episodes.append(
            PersonPageRow(
                f"Reablement from {episode.start:%d %B %Y}", href, state[:1].upper() + state[1:]
            )
        )
    return discharges, episodes
