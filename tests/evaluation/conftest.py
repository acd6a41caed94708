from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

START = dt.date(2018, 4, 1)


@pytest.fixture(scope="session")
def evaluation_place(tmp_path_factory) -> Path:
    """Treated and comparison areas (1,500 people each) over six years, integration from
    2018-04-01, as contract Parquet tables in ``<dir>/evaluation``."""
    from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

    root = tmp_path_factory.mktemp("analytics")
    write(
        SyntheticConfig(
            people=1500,
            comparison_people=1500,
            years=6,
            seed=5,
            integration=IntegrationEffects(start=START),
            prescriptions=False,
        ),
        root / "evaluation",
        formats=("parquet",),
    )
    return root


@pytest.fixture
def analytics(settings, evaluation_place):
    settings.CARETRUST_ANALYTICS_DIR = evaluation_place
    return evaluation_place
