"""Evaluations as background jobs (ADR 48): the data place, the job, its charts.

The data is a directory of contract Parquet tables covering the treated area and its comparison
areas (``CARETRUST_ANALYTICS_DIR/evaluation``). The demo generates one with a comparison area and
donor areas, because the demo's imported place is Torbay alone; in production it is the partners'
extract for the area and its comparators. The job runs ``caretrust.population.evaluation`` (the
same code as ``caretrust evaluate``), draws the charts and saves the result in one write."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

JOB_KIND = "evaluation.run"
DESIGN_TITLES = {
    "matched_did": "Matched comparison cohort (difference-in-differences on person-time)",
    "area_did": "Area panel difference-in-differences",
    "synthetic_control": "Synthetic control (one treated area, 10 or more donor areas)",
    "staggered": "Staggered starts by locality (Callaway-Sant'Anna)",
}


class EvaluationDataError(Exception):
    """No data to evaluate (an analyst can act on the message)."""


def data_dir() -> Path:
    return Path(settings.CARETRUST_ANALYTICS_DIR) / "evaluation"


@dataclass(frozen=True)
class Place:
    """What the data holds: areas, each with its localities and number of people."""

    areas: dict[str, dict[str, int]]

    @property
    def names(self) -> list[str]:
        return sorted(self.areas)

    def people(self, area: str) -> int:
        return sum(self.areas.get(area, {}).values())


def read_place(path: Path | None = None) -> Place | None:
    """The areas and localities of the evaluation data (None when there is none)."""
    path = path or data_dir()
    people = path / "people.parquet"
    if not people.is_file():
        return None
    import pyarrow.parquet as pq

    table = pq.read_table(people, columns=["area", "locality"]).to_pandas()
    counts = table.groupby(["area", "locality"]).size()
    areas: dict[str, dict[str, int]] = {}
    for (area, locality), n in counts.items():
        areas.setdefault(str(area), {})[str(locality)] = int(n)
    return Place(areas)


@functools.cache
def code_version() -> str:
    """The package version and, from a git checkout, the commit (with "+changes" if dirty)."""
    from caretrust.population.evaluation.design import code_version as package_version

    version = package_version()
    root = Path(__file__).resolve().parents[3]
    try:
        commit = subprocess.run(  # noqa: S603 (fixed arguments, our own checkout)
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(  # noqa: S603
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}, commit {commit}{'+changes' if dirty else ''}" if commit else version


def spec_from_parameters(parameters: dict):
    """The EvaluationSpec saved with an evaluation (EvaluationSpec.as_dict()), rebuilt."""
    import datetime as dt

    from caretrust.population.evaluation import EvaluationSpec

    return EvaluationSpec(
        design=parameters["design"],
        start=dt.date.fromisoformat(parameters["start"]),
        outcome=parameters["outcome"],
        treated_area=parameters["treated_area"],
        treated_localities=tuple(parameters.get("treated_localities") or ()),
        locality_starts=tuple(
            (name, dt.date.fromisoformat(day))
            for name, day in (parameters.get("locality_starts") or {}).items()
        ),
        comparison_areas=tuple(parameters.get("comparison_areas") or ()),
        pre_years=int(parameters.get("pre_years", 3)),
        seed=int(parameters.get("seed", 0)),
    )


STEPS = {  # the library's progress messages, in order, with the share of the work done
    "checking the design": (5, "Checking the design"),
    "cohort and baseline covariates": (15, "Finding the cohort and its baseline covariates"),
}


def run_evaluation_job(job, progress) -> str:
    """The background job of one Evaluation: run it, draw its charts, save the result once."""
    from caretrust.evaluation.models import Evaluation
    from caretrust.population import connect
    from caretrust.population.evaluation import evaluate
    from caretrust.population.evaluation.design import snapshot_hash

    evaluation = Evaluation.objects.get(pk=job.parameters["evaluation_id"])
    path = Path(evaluation.data_dir)
    if not (path / "people.parquet").is_file():
        raise EvaluationDataError(f"There is no evaluation data in {path}.")
    from caretrust.optout.selectors import StaleCohort, require_current_extract

    try:  # a secondary use: an extract's opt-out check must still be current (ADR 87)
        require_current_extract(path, "evaluation")
    except StaleCohort as exc:
        raise EvaluationDataError(str(exc)) from None
    progress(2, "Reading the data snapshot")
    ds = connect(path)
    snapshot = snapshot_hash(ds)
    seen = {"percent": 5}

    def step(message: str) -> None:
        # the library names its steps; each moves the bar on, never back
        percent, text = STEPS.get(message, (min(90, seen["percent"] + 10), message))
        seen["percent"] = max(seen["percent"], percent)
        progress(seen["percent"], text[:1].upper() + text[1:])

    result = evaluate(ds, spec_from_parameters(evaluation.parameters), progress=step)
    progress(92, "Drawing the charts")
    charts = draw_charts(result) if result.status == "estimate" else {}
    progress(97, "Saving the result")
    with transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(
            status=result.status,
            headline=result.headline,
            result=result.as_dict(),
            charts=charts,
            data_snapshot=snapshot,
            finished_at=timezone.now(),
        )
    return f"evaluation.evaluation:{evaluation.pk}"


def evaluation_url(result_ref: str) -> str:
    from django.urls import reverse

    return reverse("evaluation:detail", kwargs={"pk": int(result_ref.rpartition(":")[2])})


# --- charts (matplotlib SVG, inlined through csp_safe_svg like the plan-ahead fan charts) -------


def _svg(fig) -> str:
    import io

    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue().decode()
    return text[text.index("<svg") :]


def counterfactual_band(result: dict) -> list[dict]:
    """Observed and expected-without-integration per period, with the 95% band of the expected
    rate in the post period: the expected rate scaled by the rate ratio's interval, from the
    event study's row for that period when it has one, otherwise from the overall effect."""
    effect = result.get("effect") or {}
    overall = effect.get("rate_ratio") or {}
    by_event = {
        row["event"]: {"estimate": row["rate_ratio"], "low": row["low"], "high": row["high"]}
        for row in result.get("event_study") or []
        if "rate_ratio" in row and row.get("low") and row.get("high")
    }
    start = result["spec"]["start"]
    first_quarter = f"{start[:4]}Q{(int(start[5:7]) - 1) // 3 + 1}"
    rows = []
    for point in result.get("series") or []:
        period, observed, expected = point["period"], point["observed"], point["counterfactual"]
        post = period >= 0 if isinstance(period, int) else str(period) >= first_quarter
        low = high = None
        ratio = by_event.get(period, overall)
        if post and expected is not None and ratio.get("low") and ratio.get("high"):
            low = expected * ratio["estimate"] / ratio["high"]
            high = expected * ratio["estimate"] / ratio["low"]
        rows.append(
            {"period": period, "observed": observed, "expected": expected, "low": low, "high": high}
        )
    return rows


def draw_charts(result) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    data = result.as_dict()
    charts: dict[str, str] = {}
    band = counterfactual_band(data)
    if band:
        xs = list(range(len(band)))
        labels = [str(row["period"]) for row in band]
        fig, ax = plt.subplots(figsize=(8, 3.4), dpi=100)
        shaded = [i for i, row in enumerate(band) if row["low"] is not None]
        if shaded:
            ax.fill_between(
                shaded,
                [band[i]["low"] for i in shaded],
                [band[i]["high"] for i in shaded],
                color="#aeb7bd",
                alpha=0.45,
                linewidth=0,
                label="95% interval of the expected rate",
            )
        ax.plot(xs, [r["observed"] for r in band], color="#005eb8", marker="o", label="observed")
        ax.plot(
            xs,
            [r["expected"] for r in band],
            color="#425563",
            linestyle="--",
            marker="s",
            markersize=3,
            label="expected without integration",
        )
        step = max(1, len(xs) // 12)
        ax.set_xticks(xs[::step], labels[::step], fontsize=7)
        ax.set_xlabel(_period_label(data), fontsize=8)
        ax.set_ylabel((data.get("effect") or {}).get("unit", "per 1,000 person-years"), fontsize=8)
        ax.legend(fontsize=7, frameon=False)
        charts["series"] = _svg(fig)
    rows = data.get("event_study") or []
    if rows:
        ratio = "rate_ratio" in rows[0]
        xs = [r["event"] for r in rows]
        ys = [r["rate_ratio"] if ratio else r["att_per_1000"] for r in rows]
        fig, ax = plt.subplots(figsize=(8, 3.0), dpi=100)
        ax.errorbar(
            xs,
            ys,
            yerr=[[y - r["low"] for y, r in zip(ys, rows, strict=True)],
                  [r["high"] - y for y, r in zip(ys, rows, strict=True)]],
            fmt="o", color="#005eb8", ecolor="#768692", capsize=2, markersize=4,
        )  # fmt: skip
        ax.axhline(1.0 if ratio else 0.0, color="#231f20", linewidth=0.8)
        ax.axvline(-0.5, color="#d5281b", linestyle=":", linewidth=1)
        ax.set_xlabel("years from the start (reference: the year before)", fontsize=8)
        per_stay = (data.get("effect") or {}).get("unit") == "days per stay"
        # the staggered design's effect is on its rate x 1,000 scale
        att = "effect, bed days per 1,000 stays" if per_stay else "effect per 1,000 person-years"
        ax.set_ylabel("ratio" if ratio else att, fontsize=8)
        charts["event_study"] = _svg(fig)
    return charts


def _period_label(data: dict) -> str:
    design = data["spec"]["design"]
    if design == "synthetic_control":
        return "quarter"
    if design == "area_did":
        return "year"
    return "years from the start"
