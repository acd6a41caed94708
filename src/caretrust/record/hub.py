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
