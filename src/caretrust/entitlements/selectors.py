"""Reads of entitlements: what is current for a person on a day (default today, by the clock)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from caretrust import clock
from caretrust.entitlements.models import ReablementEpisode, S117Entitlement


def _current(model, person, on: date | None):
    day = on or clock.today()
    return list(
        model.objects.filter(person=person, start__lte=day).filter(
            Q(end__isnull=True) | Q(end__gte=day)
        )
    )


def current_s117(person, on: date | None = None) -> list[S117Entitlement]:
    return _current(S117Entitlement, person, on)


def current_reablement(person, on: date | None = None) -> list[ReablementEpisode]:
    return _current(ReablementEpisode, person, on)
