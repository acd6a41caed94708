from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_place(tmp_path_factory) -> Path:
    """A small synthetic place (two areas) as contract Parquet tables."""
    from caretrust.synthetic import SyntheticConfig, write

    out = tmp_path_factory.mktemp("place")
    write(SyntheticConfig(people=1500, years=4, seed=11), out, formats=("parquet",))
    return out
