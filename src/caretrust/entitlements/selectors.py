"""Reads of entitlements: what is current for a person on a day (default today, by the clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from caretrust import clock
from caretrust.access import audit
from caretrust.entitlements.models import ReablementEpisode, S117Entitlement


@dataclass(frozen=True)
class Entitlements:
    s117: list[S117Entitlement]
    reablement: list[ReablementEpisode]
    current_s117: list[S117Entitlement]


def _current(model, person, on: date | None):
    day = on or clock.today()
    return list(
        model.objects.filter(person=person, start__lte=day).filter(
            Q(end__isnull=True) | Q(end__gte=day)
        )
    )


def s117_in_force(person, on: date | None = None) -> list[S117Entitlement]:
    """For rules and services (who pays for a plan line): records no read, returns to no one."""
    return _current(S117Entitlement, person, on)


def reablement_in_force(person, on: date | None = None) -> list[ReablementEpisode]:
    """For rules and services (who pays for a plan line): records no read, returns to no one."""
    return _current(ReablementEpisode, person, on)


def entitlements_of(person, *, viewer) -> Entitlements | None:
    """Everything the entitlements page shows about a person (every s117 entitlement and
    reablement episode, and the s117 current today), when `viewer` may read the person's
    record; one read recorded (ADR 101). None when refused."""
    if not audit.person_read(viewer, person, purpose="entitlements.person"):
        return None
    return Entitlements(
        s117=list(S117Entitlement.objects.filter(person=person)),
        reablement=list(ReablementEpisode.objects.filter(person=person)),
        current_s117=s117_in_force(person),
    )
