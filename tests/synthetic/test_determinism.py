"""Same seed and parameters -> byte-identical files; another seed -> different ones."""

from __future__ import annotations

from pathlib import Path

from caretrust.synthetic import SyntheticConfig, write


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_writes_identical_bytes(tmp_path):
    config = SyntheticConfig(people=1_200, comparison_people=800, years=3, seed=21,
                             chunk_size=1_000)  # fmt: skip
    write(config, tmp_path / "a", bundles=["P0000002"])
    write(config, tmp_path / "b", bundles=["P0000002"])
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert "fhir/Encounter.ndjson" in first and "truth/effects.json" in first
    assert any(name.startswith("cld/") for name in first)
    assert "fhir/bundles/P0000002.json" in first
    assert first == second

    write(SyntheticConfig(people=1_200, comparison_people=800, years=3, seed=22,
                          chunk_size=1_000), tmp_path / "c")  # fmt: skip
    other = _files(tmp_path / "c")
    assert other["people.parquet"] != first["people.parquet"]
