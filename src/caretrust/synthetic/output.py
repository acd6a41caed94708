"""Write a generated population: Parquet tables, FHIR NDJSON, CLD CSV and the truth."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from caretrust.synthetic import cld, fhir
from caretrust.synthetic.config import ConfigError, SyntheticConfig
from caretrust.synthetic.generator import NOISE_STREAM, PERSON_RISK_SCHEMA, Chunk, iter_chunks
from caretrust.synthetic.tables import SCHEMAS

FORMATS = ("parquet", "fhir", "cld")
TRUTH_SCHEMA = pa.schema(
    [("source", pa.string()), ("source_record_id", pa.string()), ("person_id", pa.string())]
)
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}
TRUTH_SCHEMAS = {"truth/person_risk": PERSON_RISK_SCHEMA}


@dataclass
class WriteStats:
    people: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    events_by_type: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)

    def timed(self, name: str, start: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def count(self, chunk: Chunk) -> None:
        self.people += chunk.tables["people"].num_rows
        for name, table in chunk.tables.items():
            self.rows[name] = self.rows.get(name, 0) + table.num_rows
        for column, table in (("kind", "encounters"), ("event_type", "social_care_events")):
            counts = chunk.tables[table][column].value_counts().to_pylist()
            for item in counts:
                key = f"{table}.{item['values']}"
                self.events_by_type[key] = self.events_by_type.get(key, 0) + item["counts"]


def cld_for_chunk(chunk: Chunk, cfg: SyntheticConfig) -> tuple[pa.Table, pa.Table]:
    area_number = [a.name for a in cfg.areas].index(chunk.area.name)
    rng = np.random.default_rng([cfg.seed, area_number, chunk.index, NOISE_STREAM])
    return cld.cld_table(
        chunk.tables["social_care_events"],
        chunk.tables["people"],
        chunk.identity,
        chunk.area.la_code,
        area_number,
        cfg.noise,
        rng,
    )


def fhir_truth(chunk: Chunk, seed: int) -> pa.Table:
    ids = fhir.patient_ids(chunk.identity["index"].to_numpy(), seed)
    n = chunk.tables["people"].num_rows
    return pa.table(
        {
            "source": np.full(n, "fhir"),
            "source_record_id": ids,
            "person_id": chunk.tables["people"]["person_id"],
        },
        schema=TRUTH_SCHEMA,
    )


def write_lines(handle, lines: pa.Array) -> int:
    """Write newline-terminated strings straight from the Arrow buffer; return bytes."""
    if isinstance(lines, pa.ChunkedArray):
        return sum(write_lines(handle, part) for part in lines.chunks)
    lines = lines.cast(pa.large_string()) if lines.type != pa.large_string() else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
    data = memoryview(lines.buffers()[2])[first:last]
    handle.write(data)
    return int(last - first)


class Writer:
    """Streams chunks into every requested format under `out`."""

    def __init__(
        self, cfg: SyntheticConfig, out: Path, formats: Iterable[str], bundles: Iterable[str] = ()
    ):
        self.cfg, self.out, self.formats = cfg, out, tuple(formats)
        self.bundles = set(bundles)
        self.stats = WriteStats()
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._files: dict[str, BinaryIO] = {}
        self._csv: dict[str, pacsv.CSVWriter] = {}

    def write_chunk(self, chunk: Chunk) -> None:
        self.stats.count(chunk)
        if "parquet" in self.formats:
            start = time.perf_counter()
            for name, table in chunk.tables.items():
                self._parquet_table(name, table)
            self.stats.timed("parquet", start)
        start = time.perf_counter()
        self._parquet_table("truth/records", fhir_truth(chunk, self.cfg.seed))
        cld_rows, cld_truth = cld_for_chunk(chunk, self.cfg)
        self._parquet_table("truth/records", cld_truth)
        if chunk.person_risk is not None:
            self._parquet_table("truth/person_risk", chunk.person_risk)
        self.stats.timed("truth", start)
        if "fhir" in self.formats:
            start = time.perf_counter()
            self._fhir(chunk)
            self.stats.timed("fhir", start)
        if "cld" in self.formats:
            start = time.perf_counter()
            self._cld(chunk, cld_rows)
            self.stats.timed("cld", start)
        self._bundles(chunk)

    def _parquet_table(self, name: str, table: pa.Table) -> None:
        if name not in self._parquet:
            path = self.out / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            schema = SCHEMAS.get(name, TRUTH_SCHEMAS.get(name, TRUTH_SCHEMA))
            self._parquet[name] = pq.ParquetWriter(path, schema, **PARQUET_OPTIONS)
        self._parquet[name].write_table(table, row_group_size=1_000_000)

    def _fhir(self, chunk: Chunk) -> None:
        lines = fhir.resources(chunk.tables, chunk.identity, self.cfg.seed, chunk.index)
        for resource_type, array in lines.items():
            handle = self._files.get(resource_type)
            if handle is None:
                path = self.out / "fhir" / f"{resource_type}.ndjson"
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = self._files[resource_type] = path.open("wb")
            for start in range(0, len(array), 500_000):
                write_lines(handle, array.slice(start, 500_000))

    def _cld(self, chunk: Chunk, rows: pa.Table) -> None:
        writer = self._csv.get(chunk.area.la_code)
        if writer is None:
            path = self.out / "cld" / f"{chunk.area.la_code}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pacsv.CSVWriter(path, rows.schema)
            self._csv[chunk.area.la_code] = writer
        writer.write_table(rows)

    def _bundles(self, chunk: Chunk) -> None:
        ids = set(chunk.tables["people"]["person_id"].to_pylist()) & self.bundles
        for person_id in sorted(ids):
            bundle = fhir.person_bundle(chunk.tables, chunk.identity, person_id, self.cfg.seed)
            path = self.out / "fhir" / "bundles" / f"{person_id}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(bundle, indent=1, sort_keys=True))

    def close(self) -> WriteStats:
        for writer in self._parquet.values():
            writer.close()
        for handle in self._files.values():
            handle.close()
        for writer in self._csv.values():
            writer.close()
        effects = self.cfg.truth()
        effects["noise"] = self.cfg.noise.as_dict()
        effects["config"] = {
            "people": self.cfg.people,
            "years": self.cfg.years,
            "seed": self.cfg.seed,
            "start": self.cfg.start.isoformat(),
            "areas": [a.name for a in self.cfg.areas],
        }
        path = self.out / "truth" / "effects.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(effects, indent=2, sort_keys=True) + "\n")
        self.stats.bytes = {kind: _size(self.out, kind) for kind in ("parquet", "fhir", "cld")}
        return self.stats


def _size(out: Path, kind: str) -> int:
    if kind == "parquet":
        files = [p for p in out.glob("*.parquet")] + list((out / "truth").glob("*.parquet"))
    else:
        files = [p for p in (out / kind).rglob("*") if p.is_file()] if (out / kind).exists() else []
    return sum(p.stat().st_size for p in files)


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ConfigError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    return formats


def write(
    cfg: SyntheticConfig,
    out: Path,
    formats: Iterable[str] = FORMATS,
    bundles: Iterable[str] = (),
    on_chunk: Callable[[int], None] | None = None,
) -> WriteStats:
    """Generate and write; validates everything before the first file is created.

    Files are written to a staging folder beside `out` and moved into place only when all are
    complete, so a failure (or Ctrl+C) leaves nothing half-written at `out`.
    """
    cfg.validate()
    formats = check_formats(formats)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"output directory {out} is not empty")
    staging = out.with_name(f".{out.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        stats = _write_all(cfg, staging, formats, bundles, on_chunk)
        staging.replace(out)  # an empty `out` is replaced; rename is atomic on one file system
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stats


def _write_all(cfg, out, formats, bundles, on_chunk) -> WriteStats:
    writer = Writer(cfg, out, formats, bundles)
    chunks = iter_chunks(cfg, on_chunk)
    while True:
        start = time.perf_counter()
        chunk = next(chunks, None)
        writer.stats.timed("generate", start)
        if chunk is None:
            break
        writer.write_chunk(chunk)
    return writer.close()
