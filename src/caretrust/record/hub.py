"""The person page is the hub: each area registers a section (its open referrals, assessments, the
current plan, care team, allocated workers, upcoming visits) from its `AppConfig.ready()`, so the
record app links to the others without importing them (arrows point down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HubLink:
    text: str
    href: str = ""  # empty: plain text
    hint: str = ""


@dataclass(frozen=True)
class HubSection:
    heading: str
    links: list[HubLink] = field(default_factory=list)
    empty_text: str = "None."


# provider(user, person) -> HubSection or None (None: the section does not apply to this user).
Provider = Callable[[Any, Any], HubSection | None]
_providers: dict[str, tuple[int, Provider]] = {}


def register(name: str, provider: Provider, order: int = 50) -> None:
    _providers[name] = (order, provider)


def sections_for(user: Any, person: Any) -> list[HubSection]:
    sections = []
    for _, provider in sorted(_providers.values(), key=lambda item: item[0]):
        section = provider(user, person)
        if section is not None:
            sections.append(section)
    return sections


# Alerts at the top of the person page from areas above the record ("an open safeguarding
# enquiry"): alert(user, person, basis) -> a sentence or None. `basis` is how the user came to
# see the record ("legitimate_relationship", "break_glass"), so an area can keep its alert from
# those who only broke the glass.
AlertProvider = Callable[[Any, Any, str], str | None]
_alerts: dict[str, AlertProvider] = {}


def register_alert(name: str, provider: AlertProvider) -> None:
    _alerts[name] = provider


def alerts_for(user: Any, person: Any, basis: str) -> list[str]:
    found = []
    for provider in _alerts.values():
        text = provider(user, person, basis)
        if text:
            found.append(text)
    return found
