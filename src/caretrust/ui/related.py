"""Links a higher area offers on a lower area's page ("Raise a safeguarding concern" on a visit,
a task or a referral): the higher area registers a provider from its `AppConfig.ready()`, the
lower area's template asks `related_links(user, place, obj)`, so arrows point down (ADR 75).

A provider must not query the database: list pages (the visits list) call it once per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RelatedLink:
    text: str
    href: str
    # Words only a screen reader hears, naming which row the link is about ("for Edith Smith").
    hidden: str = ""


# provider(user, obj) -> a link, or None when it does not apply to this user or object.
Provider = Callable[[Any, Any], RelatedLink | None]
_providers: dict[str, dict[str, tuple[int, Provider]]] = {}

PLACES = ("visit", "task", "referral")


def register(place: str, name: str, provider: Provider, order: int = 50) -> None:
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}: one of {PLACES}")
    _providers.setdefault(place, {})[name] = (order, provider)


def links(user: Any, place: str, obj: Any) -> list[RelatedLink]:
    found = []
    for _, provider in sorted(_providers.get(place, {}).values(), key=lambda item: item[0]):
        link = provider(user, obj)
        if link is not None:
            found.append(link)
    return found
