"""Shared small populations: generated once per test session (a few seconds each)."""

from __future__ import annotations

import duckdb
import pytest

from caretrust.synthetic import NoiseConfig, SyntheticConfig, generate


@pytest.fixture(scope="session")
def population():
    """10,000 people in Torbay and 10,000 in one comparison area, 10 years, default effects."""
    return generate(SyntheticConfig(people=10_000, comparison_people=10_000, seed=11))


@pytest.fixture(scope="session")
def db(population):
    con = duckdb.connect()
    for name, table in population.tables.items():
        con.register(name, table)
    con.register("cld", population.cld)
    con.register("truth", population.truth)
    return con


@pytest.fixture(scope="session")
def noisy():
    """Heavy, distinct noise rates, so each can be measured on a small population."""
    noise = NoiseConfig(missing_nhs_number=0.30, wrong_nhs_number=0.10, name_typo=0.20,
                        nickname=0.40, changed_surname=0.15, dob_day_month_swap=0.50,
                        outdated_postcode=0.25)  # fmt: skip
    return generate(
        SyntheticConfig(
            people=6_000,
            comparison_people=6_000,
            years=5,
            seed=3,
            start=__import__("datetime").date(2015, 4, 1),
            noise=noise,
        )
    )
