"""Fixtures for the charging tests: build inputs as the `caretrust charge` JSON contract does."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from caretrust.funding.charging import Assessment, assess, parse_request


def _run(document: dict[str, Any]) -> Assessment:
    return assess(parse_request(document))


@pytest.fixture
def run() -> Callable[[dict[str, Any]], Assessment]:
    """Assess a JSON-like input document (validated exactly as the command validates it)."""
    return _run


@pytest.fixture
def community() -> Callable[..., dict[str, Any]]:
    """A community-care input for England 2024/25 with a single £200 council home-care line."""

    def build(**fields: Any) -> dict[str, Any]:
        document: dict[str, Any] = {
            "nation": "england",
            "date": "2024-06-01",
            "setting": "community",
            "person": {"age": 70},
            "capital": [],
            "income": [],
            "services": [{"id": "home-care", "weekly_cost": "200.00", "funding": "council"}],
        }
        document.update(copy.deepcopy(fields))
        return document

    return build


@pytest.fixture
def care_home() -> Callable[..., dict[str, Any]]:
    """A permanent care-home input for England 2024/25: £900 a week council residential placement."""

    def build(**fields: Any) -> dict[str, Any]:
        document: dict[str, Any] = {
            "nation": "england",
            "date": "2024-06-01",
            "setting": "care_home",
            "person": {"age": 85},
            "weeks_since_permanent_admission": 20,
            "capital": [],
            "income": [],
            "services": [{"id": "placement", "weekly_cost": "900.00", "funding": "council"}],
        }
        document.update(copy.deepcopy(fields))
        return document

    return build
