"""Where the expressions run: one `Backend` base, DuckDB (default) and Spark.

The rest of the library builds Ibis expressions against `Dataset` tables and never asks which engine
is underneath; a backend only knows how to open the engine and read Parquet.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

if TYPE_CHECKING:
    import pandas as pd
    from ibis.backends import BaseBackend
    from pyspark.sql import SparkSession


class Backend(abc.ABC):
    """An Ibis connection plus how to read one contract table from Parquet."""

    name: str

    @property
    @abc.abstractmethod
    def con(self) -> BaseBackend: ...

    def read_parquet(self, path: Path, table_name: str) -> ibis.Table:
        # both engines accept a single file or a directory of part files
        source = str(path / "*.parquet") if path.is_dir() and self.name == "duckdb" else str(path)
        return self.con.read_parquet(source, table_name=table_name)

    def execute(self, expr: ibis.Expr) -> pd.DataFrame:
        return self.con.execute(expr)


class DuckDBBackend(Backend):
    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self._con = ibis.duckdb.connect(**config)

    @property
    def con(self) -> BaseBackend:
        return self._con


class SparkBackend(Backend):
    """PySpark: local mode by default; pass ``spark_master`` or an existing ``session`` for a cluster."""

    name = "spark"

    def __init__(
        self,
        *,
        session: SparkSession | None = None,
        spark_master: str = "local[2]",
        driver_memory: str = "2g",
    ) -> None:
        self.session = session or make_spark_session(spark_master, driver_memory)
        self._con = ibis.pyspark.connect(self.session)

    @property
    def con(self) -> BaseBackend:
        return self._con


def make_spark_session(master: str = "local[2]", driver_memory: str = "2g") -> SparkSession:
    """A quiet, modest SparkSession; `getOrCreate` reuses one already running in the process."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master)
        .appName("caretrust-population")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def make_backend(name: str, **options: Any) -> Backend:
    if name == "duckdb":
        return DuckDBBackend(**options)
    if name == "spark":
        return SparkBackend(**options)
    raise ValueError(f"unknown backend {name!r}: use 'duckdb' or 'spark'")
