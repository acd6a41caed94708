"""Defining a pooled budget from its schedule file: idempotent, and bad files name the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from caretrust.funding.models import PooledBudget, ServiceLine
from caretrust.funding.pool_setup import define_pool

SCHEDULE = """
name = "Test BCF"
financial_year_start = 2026-04-01
host = "DEMO-COUNCIL"
[contributions]
DEMO-TRUST = "600000.00"
DEMO-COUNCIL = "400000.00"
[[lines]]
code = "home-care"
name = "Home care"
budget = "700000.00"
service_kinds = ["home_care"]
[[lines]]
code = "reablement"
name = "Reablement"
budget = "300000.00"
service_kinds = ["reablement"]
partner_shares = { DEMO-TRUST = "1" }
"""


def test_define_then_redefine_changes_only_what_changed(demo_directory, tmp_path) -> None:
    path = tmp_path / "pool.toml"
    path.write_text(SCHEDULE)
    pool = define_pool(path)
    assert pool.lines.count() == 2
    assert pool.contributions.get(partner__code="DEMO-TRUST").amount == Decimal("600000.00")
    assert define_pool(path) == pool
    path.write_text(SCHEDULE.replace('"700000.00"', '"750000.00"'))
    define_pool(path)
    assert ServiceLine.objects.get(pool=pool, code="home-care").budget == Decimal("750000.00")
    assert PooledBudget.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('host = "DEMO-COUNCIL"', 'host = "NOPE"'), "host: no organisation with code 'NOPE'"),
        (("2026-04-01", "2026-05-01"), "financial_year_start must be a 1 April date"),
        (('budget = "300000.00"', 'budget = "-1"'), "lines[2].budget: must be zero or more"),
        (
            ('DEMO-TRUST = "600000.00"', 'DEMO-TRUST = "lots"'),
            "contributions.DEMO-TRUST: 'lots' is not",
        ),
    ],
)
def test_a_bad_schedule_changes_nothing(demo_directory, tmp_path, change, message) -> None:
    path = tmp_path / "pool.toml"
    path.write_text(SCHEDULE.replace(*change))
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        define_pool(path)
    assert not PooledBudget.objects.exists()
