"""Plan ahead in the web app (issue #23; ADR 0048 for the job, ADR 0061 for the model).

A commissioner picks a shipped scenario, may edit its levers' intervals (checked by the very
parser `caretrust project` uses, so the page and the file refuse the same things), and runs it as
a background job. The baseline comes from the Parquet extract in ``CARETRUST_ANALYTICS_DIR`` (the
extract the outcomes dashboard is published from) and is cached per data snapshot: a key over the
extract's file names, sizes and modification times, so a new extract gives a new baseline and an
unchanged one is prepared once (in memory, and on disk for the next worker)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from caretrust.population.projection import (
    LEVERS,
    SETTINGS,
    Baseline,
    Scenario,
    ScenarioError,
    parse_scenario,
    prepare_baseline,
    run_projection,
)

JOB_KIND = "outcomes.projection"
FORM_PATH = "<form>"
PAYER_TITLES = {"nhs": "NHS", "council": "Council", "person": "The person"}
RUN_LIMITS = {"runs": (1, 500), "years": (1, 30), "seed": (0, 2**32 - 1)}


class PlanAheadError(Exception):
    """Something a commissioner can act on (no extract yet, a scenario that no longer parses)."""


# --- scenarios ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedScenario:
    stem: str
    text: str
    scenario: Scenario

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def description(self) -> str:
        return self.scenario.description


def shipped_scenarios() -> list[ShippedScenario]:
    """The scenario files shipped in caretrust.population/data/scenarios, by name."""
    folder = resources.files("caretrust.population").joinpath("data").joinpath("scenarios")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            found.append(ShippedScenario(entry.name[:-5], text, parse_scenario(text, str(entry))))
    return sorted(found, key=lambda s: (s.stem != "baseline_only", s.name))


def shipped(stem: str) -> ShippedScenario | None:
    return next((s for s in shipped_scenarios() if s.stem == stem), None)


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string (same quotes and escapes).
    return json.dumps(value, ensure_ascii=False)


def scenario_toml(
    *,
    name: str,
    description: str,
    levers: dict[str, tuple[float, float, str]],
    base: Scenario | None = None,
) -> str:
    """The scenario as TOML: name, description, the given levers, and the base scenario's
    integration effect and variants unchanged (the page edits levers only)."""
    lines = [
        "[scenario]",
        f"name = {_toml_string(name)}",
        f"description = {_toml_string(description)}",
    ]
    for lever, (lo, hi, source) in levers.items():
        lines += [
            "",
            f"[levers.{lever}]",
            f"interval = [{lo!r}, {hi!r}]",
            f"source = {_toml_string(source)}",
        ]
    if base is not None and base.effects:
        effects = ", ".join(
            "{ "
            f"outcome = {_toml_string(e.outcome)}, rate_ratio = {e.rate_ratio!r}, "
            f"ci_low = {e.ci_low!r}, ci_high = {e.ci_high!r}, level = {e.level!r}"
            " }"
            for e in base.effects
        )
        lines += [
            "",
            "[integration_effect]",
            f"effects = [{effects}]",
            f"source = {_toml_string(base.effects_source)}",
        ]
    if base is not None:
        from caretrust.population.projection.scenario import default_variants

        # variants of its own (not the shipped defaults) travel with the scenario
        if base.variants != default_variants():
            for v in base.variants:
                lines += [
                    "",
                    f"[variants.{v.name}]",
                    f"probability = {v.probability!r}",
                    f"mortality_improvement = {v.mortality_improvement!r}",
                    f"inflow_rate = {v.inflow_rate!r}",
                    f"source = {_toml_string(v.source)}",
                ]
    return "\n".join(lines) + "\n"


def plain_message(error: ScenarioError) -> str:
    """The parser's message without the file and line (the page puts it on the field)."""
    text = re.sub(r"^<form>(:\d+)?: ", "", str(error))
    return text[:1].upper() + text[1:]


def check_lever(name: str, lo: float, hi: float, source: str) -> str:
    """The TOML rules for one lever, as the parser applies them: '' when it is fine."""
    text = scenario_toml(name="check", description="", levers={name: (lo, hi, source)})
    try:
        parse_scenario(text, FORM_PATH)
    except ScenarioError as error:
        return plain_message(error)
    return ""


# --- the baseline, cached per data snapshot ---------------------------------------------------


def extract_dir() -> Path:
    """The Parquet extract (`caretrust export parquet`) the dashboard is published from."""
    return Path(settings.CARETRUST_ANALYTICS_DIR) / "extract"


def snapshot_key(path: Path) -> str:
    """A key for the extract as it is now ("" when there is none)."""
    files = sorted(p for p in path.rglob("*.parquet") if p.is_file()) if path.is_dir() else []
    if not files:
        return ""
    digest = hashlib.sha256()
    for file in files:
        stat = file.stat()
        digest.update(f"{file.relative_to(path)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


_baselines: dict[str, Baseline] = {}
_baseline_lock = threading.Lock()
ARRAYS = (
    "population",
    "activity",
    "squares",
    "deaths",
    "transitions",
    "entry",
    "reablement_after_discharge",
    "ending_in_death",
    "ae_with_admission",
)


def _cache_file(key: str) -> Path:
    return Path(settings.CARETRUST_ANALYTICS_DIR) / "cache" / f"baseline-{key}.npz"


def _save(baseline: Baseline, file: Path) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "year_start": baseline.year_start.isoformat(),
        "areas": list(baseline.areas),
        "notes": list(baseline.notes),
    }
    # a name of its own, so two workers preparing the same snapshot do not write one file
    partial = file.with_name(f"{file.stem}.{os.getpid()}-{threading.get_ident()}.partial.npz")
    np.savez_compressed(
        partial, meta=np.array(json.dumps(meta)), **{k: getattr(baseline, k) for k in ARRAYS}
    )
    partial.replace(file)  # whole or not at all
    for old in file.parent.glob("baseline-*.npz"):  # earlier snapshots are not read again
        if old != file and not old.name.endswith(".partial.npz"):
            old.unlink(missing_ok=True)


def _load(file: Path) -> Baseline | None:
    try:
        with np.load(file, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return Baseline(
                year_start=date.fromisoformat(meta["year_start"]),
                areas=tuple(meta["areas"]),
                notes=list(meta["notes"]),
                **{k: data[k] for k in ARRAYS},
            )
    except (OSError, KeyError, ValueError):
        return None


def load_baseline(path: Path | None = None) -> tuple[str, Baseline]:
    """(snapshot key, baseline) for the extract, prepared once per snapshot."""
    path = path or extract_dir()
    key = snapshot_key(path)
    if not key:
        raise PlanAheadError(
            f"There is no Parquet extract in {path} yet: an analyst makes one with "
            "`caretrust export parquet DIR` (the demo does this itself)."
        )
    from caretrust.optout.selectors import StaleCohort, require_current_extract

    try:  # a secondary use: the extract's opt-out check must still be current (ADR 87)
        require_current_extract(path, "Plan ahead baseline")
    except StaleCohort as exc:
        raise PlanAheadError(str(exc)) from None
    with _baseline_lock:
        if key in _baselines:
            return key, _baselines[key]
        baseline = _load(_cache_file(key))
        if baseline is None:
            from caretrust.population import connect

            baseline = prepare_baseline(connect(path))
            _save(baseline, _cache_file(key))
        _baselines.clear()  # one snapshot is current; an old one is not needed in memory
        _baselines[key] = baseline
        return key, baseline


# --- the job ----------------------------------------------------------------------------------


def chart_svg(values: np.ndarray, years: list[int], title: str) -> str:
    from caretrust.population.projection.report import fan

    svg = fan(values, years, title=title).decode("utf-8")
    return svg[svg.index("<svg") :]  # inlined in HTML: no XML prologue


def run_projection_job(job, progress) -> str:
    """The background job of one ProjectionRun: baseline, Monte Carlo runs, charts, then the
    result in one write."""
    from caretrust.outcomes.models import ProjectionRun

    run = ProjectionRun.objects.get(pk=job.parameters["run_id"])
    progress(2, "Reading the data snapshot")
    key, baseline = load_baseline()
    progress(10, f"Baseline year {baseline.year}/{(baseline.year + 1) % 100:02d} ready")
    try:
        scenario = parse_scenario(run.scenario_toml, FORM_PATH)
    except ScenarioError as error:
        raise PlanAheadError(f"The scenario no longer reads: {plain_message(error)}") from error

    def each_run(done: int, total: int) -> None:
        progress(10 + 75 * done / total, f"Monte Carlo run {done} of {total}")

    result = run_projection(
        scenario, baseline, seed=run.seed, runs=run.runs, years=run.years, progress=each_run
    )
    progress(88, "Drawing the fan charts")
    charts = {
        setting: chart_svg(result.values[:, :, s], result.years, title)
        for s, (setting, title, _unit) in enumerate(SETTINGS)
    }
    by_payer = result.costs.sum(axis=2)  # [runs, years, payer]
    for p, payer in enumerate(PAYER_TITLES):
        charts[f"payer:{payer}"] = chart_svg(
            by_payer[:, :, p], result.years, f"Cost to {PAYER_TITLES[payer]} (£)"
        )
    progress(97, "Saving the result")
    with transaction.atomic():
        ProjectionRun.objects.filter(pk=run.pk).update(
            result=json.loads(result.to_json()),
            charts=charts,
            baseline_year=result.baseline_year,
            data_snapshot=key,
            finished_at=timezone.now(),
        )
    return f"outcomes.projection_run:{run.pk}"


def run_url(result_ref: str) -> str:
    from django.urls import reverse

    return reverse("outcomes:plan_run", kwargs={"pk": int(result_ref.rpartition(":")[2])})


LEVER_ORDER = tuple(LEVERS)
