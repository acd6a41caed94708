"""Published indicators: computed with `caretrust.population`, suppressed (< 5), stored as Parquet
for the dashboard, so the web app never recomputes on a request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

LEVELS = ("area", "locality")
FILE_NAME = "indicators.parquet"


def compute_published(
    data_dir: Path, *, end: dt.date | None = None, years: int = 3
) -> pd.DataFrame:
    """Every indicator by month, for each area and locality, over `years` up to `end`."""
    from caretrust.population import connect
    from caretrust.population.indicators import Scope, compute_indicators, publish

    ds = connect(data_dir, "duckdb")
    last = end or _last_admission(ds)
    first = dt.date(last.year - years, last.month, 1)
    frames = [
        compute_indicators(ds, Scope(start=first, end=last, level=level, grain="month"))
        for level in LEVELS
    ]
    frame = pd.concat(frames, ignore_index=True)
    # Which area each locality belongs to, so the dashboard can show an area's localities.
    people = ds.execute(ds.people.select("area", "locality").distinct())
    area_of = dict(zip(people.locality, people.area, strict=True))
    frame["area"] = [
        group if level == "area" else area_of.get(group, "")
        for level, group in zip(frame.level, frame.group, strict=True)
    ]
    return publish(frame)


def write_published(frame: pd.DataFrame, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    temporary = path.with_suffix(".tmp")
    frame.to_parquet(temporary, index=False)
    temporary.replace(path)  # readers never see a half-written file
    return path


def read_published(out_dir: Path) -> pd.DataFrame | None:
    path = out_dir / FILE_NAME
    return pd.read_parquet(path) if path.exists() else None


def _last_admission(ds) -> dt.date:
    value = ds.execute(ds.table("encounters").start_date.max())
    return value.date() if hasattr(value, "date") else value


RISK_MODEL_FILE = "risk_model.json"


def write_risk_model(report: dict, out_dir: Path) -> Path:
    """The risk model's aggregate figures (no person) beside the published indicators."""
    from caretrust.population.risk import write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RISK_MODEL_FILE
    write_report(report, path)
    return path


def read_risk_model(out_dir: Path) -> dict | None:
    import json

    path = out_dir / RISK_MODEL_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
