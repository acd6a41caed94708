"""Links from a care plan's page to areas above care plans (a personal budget, a direct payment):
they register a function `(user, plan) -> (text, href) | None` from their AppConfig.ready(), so
care plans never import them (ADR 75)."""

from __future__ import annotations

from collections.abc import Callable

_links: list[Callable] = []


def register(link: Callable) -> None:
    if link not in _links:
        _links.append(link)


def links_for(user, plan) -> list[tuple[str, str]]:
    return [found for link in _links if (found := link(user, plan)) is not None]
