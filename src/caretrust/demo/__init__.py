"""Demo data, loaded in one place above the areas (ADR 75): each area keeps its own demo data
(`organisations.demo`, `portal.demo`, `funding.demo`); this package puts them together, in order,
so no area's loader reaches into another's."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from caretrust.funding.models import PooledBudget


@transaction.atomic
def load_demo_directory() -> dict[str, int]:
    """The demo organisations, localities, teams and users, then Edith Smith and her daughter
    (the portal's people) and the local services directory's demo feed. Idempotent."""
    from caretrust.directory.demo import load_demo_services
    from caretrust.organisations.demo import load_demo_organisations
    from caretrust.portal.demo import load_demo_people
    from caretrust.safeguarding.demo import load_demo_safeguarding

    counts = load_demo_organisations()
    load_demo_services()
    load_demo_people()
    load_demo_safeguarding()
    return counts


def load_demo_pool(today: date) -> PooledBudget:
    """The demo pooled budget with its spend (funding's own demo data)."""
    from caretrust.funding.demo import load_demo_pool as load

    return load(today)
