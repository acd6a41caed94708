"""Where the expressions run: one `Backend` base, DuckDB (default) and Spark.

The rest of the library builds Ibis expressions against `Dataset` tables and never asks which engine
is underneath; a backend only knows how to open the engine and read Parquet.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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

    def keep(self, expr: ibis.Table, name: str) -> ibis.Table:
        """A table many queries start from (a contract table without opted-out people): an
        engine may compute it once and hold it. The default, DuckDB's, returns it unchanged."""
        return expr


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
        cache_tables: bool | None = None,
    ) -> None:
        self.session = session or make_spark_session(spark_master, driver_memory)
        self._con = ibis.pyspark.connect(self.session)
        # Local mode keeps each contract table (opted-out people removed) in memory after its
        # first use, split by person_id: every indicator is one query over the same few tables,
        # and re-reading Parquet and re-filtering for each was a large share of the time
        # (ADR 0063, ADR 0129). A cluster session decides for itself.
        local = cast(str, self.session.sparkContext.master).startswith("local")
        self.cache_tables = local if cache_tables is None else cache_tables

    @property
    def con(self) -> BaseBackend:
        return self._con

    def read_parquet(self, path: Path, table_name: str) -> ibis.Table:
        frame = self.session.read.parquet(str(path))
        frame.createOrReplaceTempView(table_name)
        return self._con.table(table_name)

    def keep(self, expr: ibis.Table, name: str) -> ibis.Table:
        """With ``cache_tables``: the table computed once, held in memory (spilling to disk if
        need be) and hash-partitioned on person_id into one partition per shuffle partition, so
        that both cores share every scan and joins or groupings on person_id between kept tables
        need no shuffle. A contract file is often one Parquet row group, which Spark would
        otherwise read, and keep, as a single partition: one core for every query."""
        if not self.cache_tables:
            return expr
        frame = self.session.sql(self._con.compile(expr))
        partitions = int(self.session.conf.get("spark.sql.shuffle.partitions") or 2)
        if "person_id" in frame.columns:
            frame = frame.repartition(partitions, "person_id")
        else:
            frame = frame.repartition(partitions)
        frame.createOrReplaceTempView(name)
        self.session.catalog.cacheTable(name)
        return self._con.table(name)

    def execute(self, expr: ibis.Expr) -> pd.DataFrame:
        return self._con.execute(expr)


def _local_cores(master: str) -> int:
    inside = master.partition("[")[2].rstrip("]")
    if inside.isdigit():
        return int(inside)
    import os

    return os.cpu_count() or 2


def make_spark_session(master: str = "local[2]", driver_memory: str = "2g") -> SparkSession:
    """A quiet, modest SparkSession; `getOrCreate` reuses one already running in the process.

    Tuned for local mode (ADR 0063): one shuffle partition per core (not Spark's 200), adaptive
    execution on so small shuffles are coalesced and small joins broadcast, Arrow for results
    into pandas, and the plan's whole-stage code generation left on."""
    from pyspark.sql import SparkSession

    cores = _local_cores(master) if master.startswith("local") else 200
    session = (
        SparkSession.builder.master(master)
        .appName("caretrust-population")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.default.parallelism", str(cores))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
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
