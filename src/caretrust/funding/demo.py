"""A demo Better Care Fund pool for the demo place. Idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from caretrust.funding.models import PoolContribution, PooledBudget, ServiceLine
from caretrust.funding.spend_import import import_spend
from caretrust.organisations.models import Organisation, User

LINES = [
    ("home-care", "Home care", Decimal("2600000"), ["home_care"]),
    ("reablement", "Reablement and intermediate care", Decimal("1400000"), ["reablement"]),
    (
        "community-health",
        "Community nursing and therapy",
        Decimal("1700000"),
        ["community_nursing", "occupational_therapy", "physiotherapy"],
    ),
    (
        "equipment",
        "Equipment, adaptations and telecare",
        Decimal("500000"),
        ["equipment", "telecare"],
    ),
    ("carers", "Carer support", Decimal("300000"), ["carer_support"]),
]


# Lines whose visits done in the team workspace are actual spend (the council's own teams).
DELIVERED_VISIT_LINES = {"home-care", "reablement"}

# The demo agreement's risk share (an ASSUMPTION of the kind Section 75 agreements set out): the
# first £250,000 of an overspend shared by contribution, the rest borne by the council as host and
# commissioner; an underspend shared by contribution.
RISK_SHARE = {
    "description": (
        "The first £250,000 of an overspend is shared in proportion to the contributions; the "
        "council bears any overspend beyond that. An underspend is shared in proportion to the "
        "contributions."
    ),
    "overspend": [
        {"up_to": "250000.00", "shares": "contributions"},
        {"up_to": None, "shares": {"DEMO-COUNCIL": "1"}},
    ],
    "underspend": [{"up_to": None, "shares": "contributions"}],
}


# How each line is running against a twelfth of its budget, so the demo shows a realistic mix.
RUN_RATES = {
    "home-care": Decimal("1.09"),
    "reablement": Decimal("0.93"),
    "community-health": Decimal("1.0"),
    "equipment": Decimal("0.97"),
    "carers": Decimal("0.8"),
}


def demo_spend_csv(pool: PooledBudget, today: date) -> bytes:
    """Actual spend for each complete month of the year so far."""
    rows = ["service_line,month,amount"]
    month = pool.financial_year_start
    while (month.year, month.month) < (today.year, today.month):
        for line in pool.lines.all():
            amount = (line.budget / 12 * RUN_RATES.get(line.code, Decimal(1))).quantize(
                Decimal("0.01")
            )
            rows.append(f"{line.code},{month:%Y-%m},{amount}")
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ("\n".join(rows) + "\n").encode()


@transaction.atomic
def load_demo_pool(today: date) -> PooledBudget:
    """The demo pool with actual spend for the complete months of the year so far."""
    pool = create_demo_pool(today)
    finance = User.objects.get(username="finance")
    content = demo_spend_csv(pool, today)
    import_spend(actor=finance, pool=pool, file_name="demo-actual-spend.csv", content=content)
    return pool


@transaction.atomic
def create_demo_pool(today: date) -> PooledBudget:
    """The pool, its partners' contributions and service lines, without spend."""
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    trust = Organisation.objects.get(code="DEMO-TRUST")
    council = Organisation.objects.get(code="DEMO-COUNCIL")
    pool, _ = PooledBudget.objects.get_or_create(
        name="Bayside Better Care Fund",
        financial_year_start=start,
        defaults={"host_organisation": council, "risk_share": RISK_SHARE},
    )
    PoolContribution.objects.get_or_create(
        pool=pool, partner=trust, defaults={"amount": Decimal("3900000")}
    )
    PoolContribution.objects.get_or_create(
        pool=pool, partner=council, defaults={"amount": Decimal("2600000")}
    )
    for code, name, budget, kinds in LINES:
        ServiceLine.objects.get_or_create(
            pool=pool,
            code=code,
            defaults={
                "name": name,
                "budget": budget,
                "service_kinds": kinds,
                "delivered_visits_are_actuals": code in DELIVERED_VISIT_LINES,
            },
        )
    return pool
