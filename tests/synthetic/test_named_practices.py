"""A deployment (the demo) can name the integrated area's localities and GP practices."""

from __future__ import annotations

import pytest

from caretrust.synthetic import ConfigError, SyntheticConfig, generate


def test_people_are_registered_with_the_named_practices_of_their_locality() -> None:
    config = SyntheticConfig(
        people=1200,
        years=1,
        seed=5,
        integrated_localities=("torquay", "paignton", "brixham"),
        integrated_practices=("GP-A", "GP-B", "GP-C", "GP-D"),
    )
    people = generate(config).tables["people"].to_pandas()
    local = people[people.area == "torbay"]
    pairs = set(zip(local.locality, local.gp_practice, strict=True))
    # Practice i serves locality i mod 3: A and D Torquay, B Paignton, C Brixham.
    assert pairs == {
        ("torquay", "GP-A"),
        ("torquay", "GP-D"),
        ("paignton", "GP-B"),
        ("brixham", "GP-C"),
    }
    assert not people[people.area != "torbay"].gp_practice.isin(["GP-A", "GP-B"]).any()


def test_fewer_practices_than_localities_is_refused() -> None:
    config = SyntheticConfig(
        people=100, integrated_localities=("a", "b", "c"), integrated_practices=("X",)
    )
    with pytest.raises(ConfigError, match="at least the localities"):
        config.validate()


def test_a_tiny_comparison_area_is_written(tmp_path) -> None:
    from caretrust.synthetic import write

    stats = write(
        SyntheticConfig(people=300, comparison_people=1, years=1, seed=7), tmp_path / "out"
    )
    assert stats.people == 301
    assert (tmp_path / "out" / "cld").is_dir()


def test_a_failure_part_way_leaves_nothing_behind(tmp_path) -> None:
    from caretrust.synthetic import write

    def interrupted(_people: int) -> None:
        raise KeyboardInterrupt  # as if the user pressed Ctrl+C after the first chunk

    with pytest.raises(KeyboardInterrupt):
        write(SyntheticConfig(people=300, years=1), tmp_path / "out", on_chunk=interrupted)
    assert list(tmp_path.iterdir()) == []
