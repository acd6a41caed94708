"""A small generated place shared by the projection tests (kept small: 2 cores, four engineers)."""

from __future__ import annotations

from pathlib import Path

from caretrust.synthetic import SyntheticConfig, write

SMALL_PLACE = SyntheticConfig(people=2500, comparison_people=1000, years=6, seed=11)


def small_place(directory: Path) -> Path:
    write(SMALL_PLACE, directory, formats=("parquet",))
    return directory
