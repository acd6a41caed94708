"""The contract tables (docs/data-contract.md) of one Parquet directory, as Ibis tables.

Opted-out people (National Data Opt-out) are removed here, once, so that no analytic output can
include them: `people` drops them and every other table keeps only rows of people who remain.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from caretrust.population.backends import Backend, make_backend

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("people", "conditions", "encounters", "social_care_events")


class MissingTableError(FileNotFoundError):
    pass


class Dataset:
    """Contract tables on one backend, with opted-out people already excluded."""

    def __init__(self, data_dir: Path, backend: Backend) -> None:
        self.data_dir = Path(data_dir)
        self.backend = backend
        self._tables: dict[str, ibis.Table] = {}
        self._kept: dict[str, ibis.Table] = {}
        for name in REQUIRED:
            if self._path(name) is None:
                raise MissingTableError(f"{data_dir} has no {name}.parquet or {name}/")

    def _path(self, name: str) -> Path | None:
        for candidate in (self.data_dir / f"{name}.parquet", self.data_dir / name):
            if candidate.exists():
                return candidate
        return None

    def has(self, name: str) -> bool:
        return self._path(name) is not None

    def raw(self, name: str) -> ibis.Table:
        """A contract table as stored, opted-out people included: do not use for outputs."""
        if name not in self._tables:
            path = self._path(name)
            if path is None:
                raise MissingTableError(f"{self.data_dir} has no {name} table")
            self._tables[name] = self.backend.read_parquet(path, self._view(name))
        return self._tables[name]

    def _view(self, name: str) -> str:
        # a per-dataset view name: several datasets may share one Spark session
        return f"caretrust_{name}_{id(self):x}"

    @property
    def people(self) -> ibis.Table:
        if "people" not in self._kept:
            people = self.raw("people")
            if "opted_out" in people.columns:
                people = people.filter(~people.opted_out.fill_null(False))
            self._kept["people"] = self.backend.keep(people, self._view("people_kept"))
        return self._kept["people"]

    def table(self, name: str) -> ibis.Table:
        """A contract table restricted to people who have not opted out."""
        if name == "people":
            return self.people
        if name not in self._kept:
            events = self.raw(name).semi_join(self.people.select("person_id"), "person_id")
            self._kept[name] = self.backend.keep(events, self._view(f"{name}_kept"))
        return self._kept[name]

    def execute(self, expr: ibis.Expr) -> pd.DataFrame:
        return self.backend.execute(expr)


def connect(data_dir: str | Path, backend: str = "duckdb", **options: Any) -> Dataset:
    """Open a contract directory on ``backend`` ("duckdb" or "spark").

    Spark options: ``session`` (an existing SparkSession, e.g. on a cluster), ``spark_master``
    (default ``local[2]``), ``driver_memory``. DuckDB options: ``threads``, ``memory_limit``.
    """
    return Dataset(Path(data_dir), make_backend(backend, **options))
