"""Run one evaluation design end to end: prepare, check, estimate, diagnose.

Every result carries its diagnostics; a design that cannot answer returns a refusal in words
instead of an estimate (too few comparison areas, no pre-period, treated area among the
comparisons, failed balance, a TWFE-only staggered run). Same inputs and seed, same result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.evaluation import effects as fx
from caretrust.population.evaluation import matching, models, panel, prepare
from caretrust.population.evaluation.panel import Refusal

DESIGNS = ("matched_did", "area_did", "synthetic_control", "staggered")
PLACEBO_YEARS = 2
MIN_COMPARISON_AREAS_AREA_DID = 4
FEW_CLUSTERS = 30


@dataclass(frozen=True)
class EvaluationSpec:
    """What to evaluate. ``locality_starts`` (staggered): ((locality, first day), ...)."""

    design: str
    start: dt.date
    outcome: str = "emergency_admissions"
    treated_area: str = "torbay"
    treated_localities: tuple[str, ...] = ()  # default: all of the treated area's
    locality_starts: tuple[tuple[str, dt.date], ...] = ()
    comparison_areas: tuple[str, ...] = ()  # default: every other area
    pre_years: int = 3
    post_years: int | None = None  # default: to the end of the data
    seed: int = 0
    cohort: prepare.CohortRule = field(default_factory=prepare.CohortRule)
    twfe_only: bool = False  # asking for TWFE alone on a staggered design is refused
    min_donors: int = panel.MIN_DONORS
    bootstrap: int = 199

    def as_dict(self) -> dict:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["locality_starts"] = {k: v.isoformat() for k, v in self.locality_starts}
        return out


@dataclass
class Diagnostic:
    name: str
    status: str  # "pass", "warning", "fail", "not run"
    value: float | None
    detail: str


@dataclass
class EvaluationResult:
    spec: EvaluationSpec
    status: str  # "estimate" or "refused"
    refusal: str | None = None
    effect: fx.Effect | None = None
    headline: str = ""
    cluster: str | None = None
    clusters: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    balance: list[dict] = field(default_factory=list)
    event_study: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)  # period, observed, counterfactual
    donor_weights: dict[str, float] = field(default_factory=dict)
    implications: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # period, definitions, snapshot hash

    def as_dict(self) -> dict:
        out = asdict(self)
        out["spec"] = self.spec.as_dict()
        return _plain(out)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- entry point ------------------------------------------------------------------------------


def evaluate(
    ds: Dataset, spec: EvaluationSpec, progress: Callable[[str], None] | None = None
) -> EvaluationResult:
    """Run ``spec.design``; a Refusal becomes a result with status "refused" and the reason."""
    step = progress or (lambda _message: None)
    try:
        context = _Context.build(ds, spec, step)
        runner = {
            "matched_did": _matched_did,
            "area_did": _area_did,
            "synthetic_control": _synthetic_control,
            "staggered": _staggered,
        }[spec.design]
        result = runner(context)
    except Refusal as refusal:
        refused = EvaluationResult(spec=spec, status="refused", refusal=str(refusal))
        refused.headline = headline(refused)
        return refused
    result.data = context.data_summary()
    result.headline = headline(result)
    return result


def headline(result: EvaluationResult) -> str:
    if result.status != "estimate" or result.effect is None:
        return f"No estimate: {result.refusal}"
    outcome = prepare.OUTCOMES[result.spec.outcome]
    who = result.spec.cohort.describe()
    pc = result.effect.percent_change
    word = outcome.fewer if pc.estimate < 0 else outcome.more
    lo, hi = sorted((abs(pc.low), abs(pc.high))) if pc.high < 0 or pc.low > 0 else (pc.low, pc.high)
    if pc.high < 0 or pc.low > 0:
        interval = f"95% CI {lo:.0f}% to {hi:.0f}%"
    else:
        interval = f"95% CI {pc.low:+.0f}% to {pc.high:+.0f}%, which includes no change"
    verb = "were" if outcome.plural else "was"
    return (
        f"{outcome.label} of {who} {verb} {abs(pc.estimate):.0f}% {word} ({interval}) "
        f"than expected without integration."
    )


# --- shared preparation ------------------------------------------------------------------------


@dataclass
class _Context:
    ds: Dataset
    spec: EvaluationSpec
    step: Callable[[str], None]
    outcome: prepare.Outcome
    data_start: dt.date
    data_end: dt.date
    window_start: dt.date
    window_end: dt.date
    comparisons: tuple[str, ...]
    localities: tuple[str, ...]
    starts: dict[str, dt.date]

    @classmethod
    def build(cls, ds: Dataset, spec: EvaluationSpec, step) -> _Context:
        if spec.design not in DESIGNS:
            raise Refusal(f"Unknown design {spec.design!r}; choose one of {', '.join(DESIGNS)}.")
        if spec.outcome not in prepare.OUTCOMES:
            raise Refusal(
                f"Unknown outcome {spec.outcome!r}; choose one of {', '.join(prepare.OUTCOMES)}."
            )
        step("checking the design")
        people = ds.people
        areas = ds.execute(people.group_by(["area", "locality"]).aggregate(n=people.count()))
        known = set(areas.area)
        if spec.treated_area not in known:
            raise Refusal(f"The treated area {spec.treated_area!r} is not in the data.")
        overlap = set(spec.comparison_areas) & {spec.treated_area}
        if overlap:
            raise Refusal(
                f"The treated area {spec.treated_area} is also listed as a comparison area: "
                "treated and comparison groups must not overlap."
            )
        missing = set(spec.comparison_areas) - known
        if missing:
            raise Refusal(f"Comparison areas not in the data: {', '.join(sorted(missing))}.")
        comparisons = spec.comparison_areas or tuple(sorted(known - {spec.treated_area}))
        if not comparisons:
            raise Refusal("There is no comparison area: every person is in the treated area.")
        own = tuple(sorted(areas[areas.area == spec.treated_area].locality))
        localities = spec.treated_localities or own
        unknown = set(localities) - set(own)
        if unknown:
            raise Refusal(f"Localities not in {spec.treated_area}: {', '.join(sorted(unknown))}.")
        starts = {name: spec.start for name in localities}
        starts.update(dict(spec.locality_starts))
        enc = ds.table("encounters")
        bounds = ds.execute(enc.aggregate(first=enc.start_date.min(), last=enc.start_date.max()))
        data_start = pd.Timestamp(bounds["first"].iloc[0]).date()
        data_end = pd.Timestamp(bounds["last"].iloc[0]).date() + dt.timedelta(days=1)
        earliest = min(starts.values())
        window_start = earliest.replace(year=earliest.year - spec.pre_years)
        if spec.pre_years < 1 or (earliest - data_start).days < 365:
            raise Refusal(
                f"No pre-period: integration starts {earliest}, data begin {data_start}; "
                "a before-and-after comparison needs at least a year before the start."
            )
        if window_start < data_start:
            available = (earliest - data_start).days / 365.25
            raise Refusal(
                f"The data hold {available:.1f} years before the start {earliest}, fewer than the "
                f"{spec.pre_years} pre-period years asked for (lower --pre-years)."
            )
        latest = max(starts.values())
        window_end = data_end
        if spec.post_years:
            window_end = min(data_end, latest.replace(year=latest.year + spec.post_years))
        if latest >= window_end:
            raise Refusal(f"No post-period: the data end {data_end}, before the start {latest}.")
        return cls(
            ds, spec, step, prepare.OUTCOMES[spec.outcome], data_start, data_end,
            window_start, window_end, comparisons, tuple(localities), starts,
        )  # fmt: skip

    def cohort(self) -> pd.DataFrame:
        self.step("cohort and baseline covariates")
        table = prepare.cohort(self.ds, self.window_start, self.spec.cohort)
        table = table.filter(table.area.isin([self.spec.treated_area, *self.comparisons]))
        frame = prepare.to_frame(self.ds, table, ["person_id"])
        in_treated_area = frame.area == self.spec.treated_area
        frame["treated"] = (in_treated_area & frame.locality.isin(self.localities)).astype(int)
        # people of the treated area's other localities are neither treated nor controls
        return frame[~in_treated_area | frame.locality.isin(self.localities)].reset_index(drop=True)

    def windows(self, cohort_frame: pd.DataFrame, windows) -> pd.DataFrame:
        import ibis

        ids = ibis.memtable(cohort_frame[["person_id"]])
        people = self.ds.people.semi_join(ids, "person_id")
        expr = prepare.person_windows(self.ds, people, windows, self.outcome)
        frame = prepare.to_frame(self.ds, expr, ["person_id", "window_start"])
        return frame.merge(cohort_frame, on="person_id", how="left")

    def mean_stay(self, cohort_frame: pd.DataFrame) -> float:
        """Mean length of stay (days) of outcome spells of treated people before the start."""
        if self.outcome.name != "emergency_admissions":
            return 0.0
        import ibis

        ids = ibis.memtable(cohort_frame.loc[cohort_frame.treated == 1, ["person_id"]])
        enc = self.ds.table("encounters").semi_join(ids, "person_id")
        spells = enc.filter(
            (enc.kind == "emergency_admission")
            & (enc.discharge_destination.fill_null("") != "died")
            & (enc.start_date >= self.window_start)
            & (enc.start_date < min(self.starts.values()))
        )
        stay = spells.end_date.delta(spells.start_date, unit="day").cast("float64").mean()
        value = self.ds.execute(stay)
        return float(value) if value is not None and np.isfinite(value) else 0.0

    def units(self) -> dict:
        """How the outcome's effect is shown: its scale and unit (fx.from_ratio's keywords)."""
        return {"scale": self.outcome.scale, "unit": self.outcome.unit}

    def data_summary(self) -> dict:
        return {
            "data_dir": str(self.ds.data_dir),
            "backend": self.ds.backend.name,
            "snapshot_sha256": snapshot_hash(self.ds),
            "data_period": [self.data_start.isoformat(), self.data_end.isoformat()],
            "analysis_window": [self.window_start.isoformat(), self.window_end.isoformat()],
            "locality_starts": {k: v.isoformat() for k, v in sorted(self.starts.items())},
            "treated_localities": list(self.localities),
            "comparison_areas": list(self.comparisons),
            "outcome_definition": self.outcome.definition(),
            "outcome_unit": self.outcome.unit,
            "cohort_definition": self.spec.cohort.definition()
            + f"; index date {self.window_start} (start of the pre-period)",
            "code_version": code_version(),
        }


def snapshot_hash(ds: Dataset) -> str:
    """SHA-256 over the contract Parquet files' names and bytes (sorted): the data snapshot."""
    digest = hashlib.sha256()
    for path in sorted(ds.data_dir.glob("*.parquet")) + sorted(ds.data_dir.glob("*/*.parquet")):
        if path.parent.name == "truth":
            continue  # the analysis never reads the truth
        digest.update(str(path.relative_to(ds.data_dir)).encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    from caretrust import __version__

    return f"caretrust {__version__}"


# --- helpers ----------------------------------------------------------------------------------


def _yearly_windows(start: dt.date, first: dt.date, last: dt.date):
    """Yearly windows aligned on ``start``, covering [first, last); label = years from start."""
    out, k = [], 0
    while start.replace(year=start.year + k) > first:
        k -= 1
    while True:
        lo = start.replace(year=start.year + k)
        hi = start.replace(year=start.year + k + 1)
        if lo >= last:
            break
        out.append((str(k), max(lo, first), min(hi, last)))
        k += 1
    return out


def _diag_pretrend(fit: models.Fit, leads: list[str]) -> Diagnostic:
    if not leads:
        return Diagnostic("pre_trend", "not run", None, "no pre-period leads to test")
    chi2, df, p = fit.wald(leads)
    status = "pass" if p >= 0.05 else "warning"
    return Diagnostic(
        "pre_trend",
        status,
        p,
        f"joint Wald test that the {df} pre-period leads are zero: chi2 {chi2:.2f}, p {p:.3f}",
    )


def _diag_placebo(effect: fx.Effect | None, why: str = "") -> Diagnostic:
    if effect is None:
        return Diagnostic("placebo_date", "not run", None, why)
    covers = effect.covers(1.0)
    rr = effect.rate_ratio
    return Diagnostic(
        "placebo_date",
        "pass" if covers else "warning",
        rr.estimate,
        f"start moved {PLACEBO_YEARS} years earlier, pre-period data only: rate ratio "
        f"{rr.estimate:.3f} (95% CI {rr.low:.3f} to {rr.high:.3f})"
        + ("" if covers else "; an 'effect' before the start suggests bias"),
    )


def _diag_evalue(effect: fx.Effect) -> Diagnostic:
    rr = effect.rate_ratio
    point, limit = models.e_value(rr.estimate), models.e_value_ci(rr.low, rr.high)
    return Diagnostic(
        "e_value",
        "pass",
        point,
        f"an unmeasured confounder would need rate ratios of {point:.2f} with both integration "
        f"and the outcome to explain the estimate away ({limit:.2f} for the CI limit nearest 1)",
    )


def _event_rows(fit: models.Fit, names: dict[str, int]) -> list[dict]:
    rows = []
    for name, event in sorted(names.items(), key=lambda kv: kv[1]):
        b, se = fit.estimate(name), fit.se(name)
        rows.append(
            {
                "event": event,
                "log_rate_ratio": b,
                "se": se,
                "rate_ratio": float(np.exp(b)),
                "low": float(np.exp(b - fx.Z95 * se)),
                "high": float(np.exp(b + fx.Z95 * se)),
            }
        )
    return rows


# --- person-level matched difference-in-differences --------------------------------------------


def _matched_did(c: _Context) -> EvaluationResult:
    spec = c.spec
    frame = c.cohort()
    n_treated, n_control = int(frame.treated.sum()), int((frame.treated == 0).sum())
    if n_treated < 20 or n_control < 20:
        raise Refusal(
            f"Too few people to match: {n_treated} treated and {n_control} comparison people "
            "in the cohort (at least 20 of each)."
        )
    c.step("propensity score and matching")
    matched = matching.match(frame)
    if matched.failed:
        bad = matched.balance[matched.balance.smd_after.abs() >= matching.SMD_FAIL]
        raise Refusal(
            f"Balance failed after matching (standardised mean difference of "
            f"{matching.SMD_FAIL} or more): "
            + ", ".join(f"{r.covariate} {r.smd_after:+.2f}" for r in bad.itertuples())
            + "."
        )
    weights = matched.weights
    sample = frame[frame.person_id.isin(weights.index)].copy()
    sample["weight"] = sample.person_id.map(weights)
    start = min(c.starts.values())
    c.step("person-time by year")
    years = c.windows(sample, _yearly_windows(start, c.window_start, c.window_end))
    years["event"] = years.window.astype(int)
    years["post"] = (years.event >= 0).astype(int)
    years["treated_post"] = years.treated * years.post
    c.step("Poisson difference-in-differences")
    pp = (
        years.groupby(["person_id", "post", "treated", "weight"], as_index=False)
        .agg(events=("events", "sum"), exposure=("exposure", "sum"))
        .assign(treated_post=lambda d: d.treated * d.post)
    )
    fit = models.poisson_fe(
        pp, "events", "exposure", ["treated", "post", "treated_post"], [], "person_id", "weight"
    )
    treated_post = pp[(pp.treated == 1) & (pp.post == 1)]
    rate = treated_post.events.sum() / treated_post.exposure.sum()
    effect = fx.from_log_ratio(
        fit.estimate("treated_post"),
        fit.se("treated_post"),
        rate,
        "Wald, cluster-robust",
        **c.units(),
    )
    c.step("event study and placebo date")
    event_names, es = _event_study_person(years)
    leads = [n for n, e in event_names.items() if e < -1]
    placebo = _placebo_person(years)
    diagnostics = [
        _diag_pretrend(es, leads),
        _diag_placebo(
            placebo, f"needs {PLACEBO_YEARS + 1}+ pre-period years (have {spec.pre_years})"
        ),
        Diagnostic(
            "common_support",
            "pass" if matched.off_support == 0 else "warning",
            float(matched.off_support),
            f"{matched.off_support} of {matched.treated} treated people outside the comparison "
            f"people's propensity range (dropped); {matched.unmatched} more had no match within "
            f"the caliper ({matching.CALIPER_SD} SD of the logit score)",
        ),
        _diag_balance(matched),
        _diag_evalue(effect),
    ]
    series = _observed_vs_counterfactual(years, es, event_names, c.outcome.scale)
    post_py = float(treated_post.exposure.sum())
    caveats = [
        "Assumes no unmeasured confounding after matching and parallel trends of the matched "
        "groups; the pre-trend and placebo diagnostics test what they can of that.",
        f"Errors are clustered by person ({fit.clusters:,} people): assignment is by area, and "
        "with few areas area-clustered errors are unreliable, so shocks shared by a whole area "
        "are not reflected in the interval.",
        "The absolute difference treats the observed treated rate as known; its interval "
        "reflects the uncertainty of the rate ratio only.",
    ]
    return EvaluationResult(
        spec=spec,
        status="estimate",
        effect=effect,
        cluster="person_id",
        clusters=fit.clusters,
        diagnostics=diagnostics,
        balance=matched.balance.to_dict("records"),
        event_study=_event_rows(es, event_names),
        series=series,
        implications=fx.implications(effect, post_py, c.mean_stay(sample), spec.outcome),
        counts={
            "treated_in_cohort": matched.treated,
            "comparison_in_cohort": n_control,
            "treated_off_support": matched.off_support,
            "treated_unmatched": matched.unmatched,
            "treated_matched": matched.matched_treated,
            "controls_used": matched.controls_used,
            "events_treated_post": int(treated_post.events.sum()),
            "person_years_treated_post": post_py,
            "deaths_treated": int(sample[sample.treated == 1].death_date.notna().sum()),
            "deaths_control": int(sample[sample.treated == 0].death_date.notna().sum()),
        },
        caveats=caveats,
    )


def _diag_balance(matched: matching.Matched) -> Diagnostic:
    worst = float(matched.balance.smd_after.abs().max())
    if matched.balanced:
        return Diagnostic(
            "balance", "pass", worst, "every standardised mean difference after matching < 0.1"
        )
    bad = matched.balance[~matched.balance.passes]
    return Diagnostic(
        "balance",
        "warning",
        worst,
        "flagged: standardised mean difference of 0.1 or more after matching for "
        + ", ".join(f"{r.covariate} ({r.smd_after:+.2f})" for r in bad.itertuples()),
    )


def _event_study_person(years: pd.DataFrame) -> tuple[dict[str, int], models.Fit]:
    events = sorted(years.event.unique())
    names = {}
    frame = years.copy()
    for e in events:
        if e == -1:
            continue  # the reference year: the last before the start
        name = f"treated_e{e}".replace("-", "m")
        frame[name] = ((frame.event == e) & (frame.treated == 1)).astype(int)
        names[name] = int(e)
    fit = models.poisson_fe(
        frame, "events", "exposure", ["treated", *names], ["event"], "person_id", "weight"
    )
    return names, fit


def _placebo_person(years: pd.DataFrame) -> fx.Effect | None:
    pre = years[years.event < 0].copy()
    if pre.event.min() > -(PLACEBO_YEARS + 1):
        return None
    pre["post"] = (pre.event >= -PLACEBO_YEARS).astype(int)
    pp = (
        pre.groupby(["person_id", "post", "treated", "weight"], as_index=False)
        .agg(events=("events", "sum"), exposure=("exposure", "sum"))
        .assign(treated_post=lambda d: d.treated * d.post)
    )
    fit = models.poisson_fe(
        pp, "events", "exposure", ["treated", "post", "treated_post"], [], "person_id", "weight"
    )
    tp = pp[(pp.treated == 1) & (pp.post == 1)]
    return fx.from_log_ratio(
        fit.estimate("treated_post"),
        fit.se("treated_post"),
        tp.events.sum() / tp.exposure.sum(),
        "Wald, cluster-robust",
    )


def _observed_vs_counterfactual(years, fit, names, scale: float) -> list[dict]:
    """Per year: observed and expected without integration, in the outcome's unit (x scale)."""
    treated = years[years.treated == 1]
    by = treated.groupby("event").agg(events=("events", "sum"), exposure=("exposure", "sum"))
    out = []
    lookup = {e: n for n, e in names.items()}
    for event, row in by.iterrows():
        observed = row.events / row.exposure * scale if row.exposure > 0 else float("nan")
        ratio = np.exp(fit.estimate(lookup[event])) if event in lookup and event >= 0 else 1.0
        out.append(
            {
                "period": int(event),
                "observed": float(observed),
                "counterfactual": float(observed / ratio),
            }
        )
    return out


# --- area panel difference-in-differences ------------------------------------------------------


def _area_frame(c: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    c.step("person-months summed to areas")
    months = c.windows(frame, prepare.month_windows(c.window_start, c.window_end))
    months["unit"] = np.where(months.treated == 1, c.spec.treated_area, months.area)
    return months.groupby(["unit", "window", "window_start"], as_index=False).agg(
        events=("events", "sum"), person_years=("exposure", "sum")
    )


def _area_did(c: _Context) -> EvaluationResult:
    spec = c.spec
    if len(c.comparisons) < MIN_COMPARISON_AREAS_AREA_DID:
        raise Refusal(
            f"An area-panel difference-in-differences needs at least "
            f"{MIN_COMPARISON_AREAS_AREA_DID} comparison areas; {len(c.comparisons)} given. "
            "Use the matched person-level design for one or two comparison areas."
        )
    frame = c.cohort()
    panel_frame = _area_frame(c, frame)
    start = min(c.starts.values())
    panel_frame["treated"] = (panel_frame.unit == spec.treated_area).astype(int)
    panel_frame["post"] = (pd.to_datetime(panel_frame.window_start) >= pd.Timestamp(start)).astype(
        int
    )
    panel_frame["treated_post"] = panel_frame.treated * panel_frame.post
    c.step("Poisson with area and month fixed effects")
    fit = models.poisson_fe(
        panel_frame, "events", "person_years", ["treated_post"], ["unit", "window"], "unit"
    )
    tp = panel_frame[panel_frame.treated_post == 1]
    rate = tp.events.sum() / tp.person_years.sum()
    wald = fx.from_log_ratio(
        fit.estimate("treated_post"),
        fit.se("treated_post"),
        rate,
        "Wald, cluster-robust",
        **c.units(),
    )
    c.step("placebos in space")
    effect, placebo_p = _conley_taber(panel_frame, fit.estimate("treated_post"), rate, c.units())
    if effect is None:
        effect = wald
    c.step("event study and placebo date")
    years = pd.to_datetime(panel_frame.window_start)
    panel_frame["event"] = [
        _years_from(d.date(), start) for d in years
    ]  # whole years from the start
    names = {}
    for e in sorted(panel_frame.event.unique()):
        if e == -1:
            continue
        name = f"treated_e{e}".replace("-", "m")
        panel_frame[name] = ((panel_frame.event == e) & (panel_frame.treated == 1)).astype(int)
        names[name] = int(e)
    es = models.poisson_fe(
        panel_frame, "events", "person_years", list(names), ["unit", "window"], "unit"
    )
    leads = [n for n, e in names.items() if e < -1]
    pre = panel_frame[panel_frame.event < 0].copy()
    placebo = None
    if pre.event.min() <= -(PLACEBO_YEARS + 1):
        pre["treated_post"] = pre.treated * (pre.event >= -PLACEBO_YEARS)
        pf = models.poisson_fe(
            pre, "events", "person_years", ["treated_post"], ["unit", "window"], "unit"
        )
        ptp = pre[pre.treated_post == 1]
        placebo = fx.from_log_ratio(
            pf.estimate("treated_post"),
            pf.se("treated_post"),
            ptp.events.sum() / ptp.person_years.sum(),
            "Wald, cluster-robust",
        )
    few = fit.clusters < FEW_CLUSTERS
    diagnostics = [
        _diag_pretrend(es, leads),
        _diag_placebo(placebo, f"needs {PLACEBO_YEARS + 1}+ pre-period years"),
        Diagnostic(
            "clusters",
            "warning" if few else "pass",
            float(fit.clusters),
            f"{fit.clusters} area clusters"
            + (
                f"; below {FEW_CLUSTERS}, cluster-robust intervals can be too narrow "
                "(a wild cluster bootstrap is the usual remedy: Cameron, Gelbach, Miller 2008)"
                if few
                else ""
            ),
        ),
        Diagnostic(
            "cluster_robust_interval",
            "pass" if effect is wald else "warning",
            wald.rate_ratio.estimate,
            f"cluster-robust Wald interval {wald.rate_ratio.low:.3f} to "
            f"{wald.rate_ratio.high:.3f}"
            + (
                ""
                if effect is wald
                else f" (not used: one treated area; placebo-in-space p = {placebo_p:.3f})"
            ),
        ),
        _diag_evalue(effect),
    ]
    yearly = (
        panel_frame.assign(year=panel_frame.event)
        .groupby(["year", "treated"])
        .sum(numeric_only=True)
    )
    series = []
    lookup = {e: n for n, e in names.items()}
    for year in sorted(panel_frame.event.unique()):
        row = yearly.loc[(year, 1)]
        observed = row.events / row.person_years * c.outcome.scale
        ratio = np.exp(es.estimate(lookup[year])) if year in lookup and year >= 0 else 1.0
        series.append(
            {"period": int(year), "observed": observed, "counterfactual": observed / ratio}
        )
    return EvaluationResult(
        spec=spec,
        status="estimate",
        effect=effect,
        cluster="area",
        clusters=fit.clusters,
        diagnostics=diagnostics,
        event_study=_event_rows(es, names),
        series=series,
        implications=fx.implications(
            effect, float(tp.person_years.sum()), c.mean_stay(frame), spec.outcome
        ),
        counts={
            "areas": int(panel_frame.unit.nunique()),
            "months": int(panel_frame.window.nunique()),
            "events_treated_post": int(tp.events.sum()),
        },
        caveats=[
            "Assumes parallel trends between the treated area and the comparison areas.",
            "The cohort is fixed at the index date, so rates follow it as it ages.",
            "With one treated area the interval comes from placebos in space when there are "
            "10+ comparison areas (coarse: its limits are quantiles of that many estimates); "
            "otherwise it is the cluster-robust Wald interval, flagged as likely too narrow.",
        ],
    )


def _conley_taber(
    panel_frame: pd.DataFrame, beta: float, rate: float, shown: dict
) -> tuple[fx.Effect | None, float]:
    """One treated area: cluster-robust errors are unreliable (MacKinnon & Webb), so the interval
    comes from placebos in space (Conley & Taber, REStat 2011): each comparison area in turn
    "treated" gives the spread of estimates chance alone produces; the interval is the estimate
    minus that spread's 2.5% and 97.5% points. Needs 10+ comparison areas (else None)."""
    controls = panel_frame[panel_frame.treated == 0]
    units = sorted(controls.unit.unique())
    if len(units) < panel.MIN_DONORS:
        return None, float("nan")
    events = controls.pivot(index="unit", columns="window", values="events").fillna(0)
    exposure = controls.pivot(index="unit", columns="window", values="person_years").fillna(0)
    post = controls.groupby("window").post.first().reindex(events.columns).to_numpy()
    betas: list[float] = []
    for k in range(len(units)):
        d = np.zeros(events.shape)
        d[k] = post
        betas.append(models.poisson_twfe_beta(events.to_numpy(), exposure.to_numpy(), d))
    placebo = np.array(betas)
    low = beta - np.quantile(placebo, 0.975)
    high = beta - np.quantile(placebo, 0.025)
    p = (1 + np.sum(np.abs(placebo) >= abs(beta))) / (len(units) + 1)
    effect = fx.from_ratio(
        float(np.exp(beta)), float(np.exp(low)), float(np.exp(high)), rate,
        f"placebo in space ({len(units)} comparison areas)", **shown,
    )  # fmt: skip
    return effect, float(p)


def _years_from(day: dt.date, start: dt.date) -> int:
    k = day.year - start.year
    if (day.month, day.day) < (start.month, start.day):
        k -= 1
    return k


# --- synthetic control ---------------------------------------------------------------------


def _quarterly_rates(panel_frame: pd.DataFrame) -> pd.DataFrame:
    stamp = pd.to_datetime(panel_frame.window_start)
    panel_frame = panel_frame.assign(quarter=stamp.dt.to_period("Q").astype(str))
    q = panel_frame.groupby(["quarter", "unit"]).sum(numeric_only=True)
    rates = (q.events / q.person_years * 1000).unstack("unit")
    return rates


def _synthetic_control(c: _Context) -> EvaluationResult:
    spec = c.spec
    if len(c.comparisons) < spec.min_donors:
        raise Refusal(
            f"Synthetic control needs at least {spec.min_donors} donor areas for placebo "
            f"inference; {len(c.comparisons)} given."
        )
    frame = c.cohort()
    panel_frame = _area_frame(c, frame)
    start = min(c.starts.values())
    rates = _quarterly_rates(panel_frame)
    post_from = str(pd.Timestamp(start).to_period("Q"))
    c.step("synthetic control and placebos in space")
    sc = panel.synthetic_control(rates, spec.treated_area, post_from, min_donors=spec.min_donors)
    placebo_rr = np.array(list(sc.placebo_rate_ratios.values()))
    # test inversion under a constant multiplicative effect: the donors' own post/pre "effects"
    # are what chance alone produces
    low = sc.rate_ratio / np.quantile(placebo_rr, 0.975)
    high = sc.rate_ratio / np.quantile(placebo_rr, 0.025)
    treated_rows = panel_frame[
        (panel_frame.unit == spec.treated_area)
        & (pd.to_datetime(panel_frame.window_start) >= pd.Timestamp(start))
    ]
    rate = treated_rows.events.sum() / treated_rows.person_years.sum()
    effect = fx.from_ratio(
        sc.rate_ratio, low, high, rate, "placebo (donors' post/pre gaps)", **c.units()
    )
    c.step("placebo date")
    early = start.replace(year=start.year - PLACEBO_YEARS)
    pre_rates = rates[rates.index.astype(str) < post_from]
    placebo = None
    early_q = str(pd.Timestamp(early).to_period("Q"))
    if (pre_rates.index.astype(str) < early_q).sum() >= 4:
        psc = panel.synthetic_control(
            pre_rates, spec.treated_area, early_q, min_donors=spec.min_donors
        )
        prr = np.array(list(psc.placebo_rate_ratios.values()))
        placebo = fx.from_ratio(
            psc.rate_ratio,
            psc.rate_ratio / np.quantile(prr, 0.975),
            psc.rate_ratio / np.quantile(prr, 0.025),
            rate,
            "placebo",
        )
    loo = sc.leave_one_out
    loo_range = (min(loo.values()), max(loo.values())) if loo else (sc.rate_ratio,) * 2
    diagnostics = [
        Diagnostic(
            "placebo_in_space",
            "pass",
            sc.p_value,
            f"rank of the treated area's post/pre RMSPE ratio among {sc.donors + 1} units: "
            f"p = {sc.p_value:.3f} (smallest possible {1 / (sc.donors + 1):.3f})",
        ),
        Diagnostic(
            "pre_rmspe",
            "pass" if sc.pre_rmspe < 0.1 * np.mean(sc.observed) else "warning",
            sc.pre_rmspe,
            f"pre-period RMSPE {sc.pre_rmspe:.1f} per 1,000 person-years "
            f"({sc.pre_rmspe / np.mean(sc.observed):.1%} of the mean rate)",
        ),
        Diagnostic(
            "leave_one_out",
            "pass",
            None,
            f"rate ratio {loo_range[0]:.3f} to {loo_range[1]:.3f} leaving out each donor with "
            "weight over 1%",
        ),
        _diag_placebo(placebo, "needs 4+ quarters before the placebo date"),
        _diag_evalue(effect),
    ]
    series = [
        {"period": p, "observed": o, "counterfactual": s}
        for p, o, s in zip(sc.periods, sc.observed, sc.synthetic, strict=True)
    ]
    return EvaluationResult(
        spec=spec,
        status="estimate",
        effect=effect,
        cluster=None,
        clusters=None,
        diagnostics=diagnostics,
        series=series,
        donor_weights=sc.weights,
        implications=fx.implications(
            effect, float(treated_rows.person_years.sum()), c.mean_stay(frame), spec.outcome
        ),
        counts={"donors": sc.donors, "quarters": len(sc.periods)},
        caveats=[
            "Assumes the pre-period fit carries forward and integration did not spill over to "
            "donor areas.",
            "The interval inverts the placebo distribution of donors' post/pre rate ratios "
            f"({sc.donors} donors): coarse with few donors.",
        ],
    )


def _placebo_staggered(q: pd.DataFrame, resample, spec: EvaluationSpec) -> fx.Effect | None:
    """Every locality's start moved PLACEBO_YEARS earlier, on the years before any real start."""
    first_real = int(q[q.cohort > 0].cohort.min())
    pre = q[q.period < first_real].copy()
    pre["cohort"] = np.where(pre.cohort > 0, pre.cohort - PLACEBO_YEARS, 0)
    if (pre[pre.cohort != 0].cohort < 1).any() or pre.empty:
        return None
    periods = sorted(pre.period.unique())

    def early(rng: np.random.Generator) -> pd.DataFrame:
        return resample(rng)[periods]

    gt = panel.callaway_santanna(
        pre, outcome="rate", unit="locality", time="period", cohort="cohort",
        bootstrap=spec.bootstrap, seed=spec.seed, resample=early,
    )  # fmt: skip
    post = pre[(pre.cohort > 0) & (pre.period >= pre.cohort)]
    observed = post.events.sum() / post.person_years.sum() * 1000

    def ratio(att: float) -> float:
        return observed / max(observed - att, 1e-9)

    return fx.from_ratio(
        ratio(gt.simple),
        ratio(gt.simple - fx.Z95 * gt.se_simple),
        ratio(gt.simple + fx.Z95 * gt.se_simple),
        observed / 1000,
        "bootstrap of people (Poisson weights)",
    )


# --- staggered starts ------------------------------------------------------------------------


def _staggered(c: _Context) -> EvaluationResult:
    spec = c.spec
    if spec.twfe_only:
        raise Refusal(
            "A two-way fixed effects estimate alone is refused for staggered starts: with effects "
            "that differ by cohort or over time it weights some comparisons negatively "
            "(Goodman-Bacon 2021). Use the Callaway-Sant'Anna estimate, which this design reports."
        )
    frame = c.cohort()
    c.step("person-time by year and locality")
    earliest = min(c.starts.values())
    years = c.windows(frame, _yearly_windows(earliest, c.window_start, c.window_end))
    years["period"] = years.window.astype(int)
    years["period"] -= years.period.min()
    first = int(years.window.astype(int).min())
    q = years.groupby(["locality", "period"], as_index=False).agg(
        events=("events", "sum"), person_years=("exposure", "sum")
    )
    q["rate"] = q.events / q.person_years * 1000
    # a locality's cohort: the year (aligned on the earliest start) in which it goes live
    cohort_of = {loc: _years_from(day, earliest) - first for loc, day in c.starts.items()}
    q["cohort"] = q.locality.map(cohort_of).fillna(0).astype(int)
    if (q.cohort == 0).any() and q[q.cohort > 0].cohort.min() == 0:
        raise Refusal("A locality goes live in the first year of data: it has no base period.")
    events = years.pivot(index="person_id", columns="period", values="events").fillna(0)
    exposure = years.pivot(index="person_id", columns="period", values="exposure").fillna(0)
    locality = years.groupby("person_id").locality.first().reindex(events.index)
    codes, names = pd.factorize(locality)
    ev, ex = events.to_numpy(), exposure.to_numpy()

    def resample(rng: np.random.Generator) -> pd.DataFrame:
        # Poisson(1) weights on people: locality rates as if the people were drawn again
        w = rng.poisson(1.0, len(codes)).astype(float)
        num = np.zeros((len(names), ev.shape[1]))
        den = np.zeros_like(num)
        np.add.at(num, codes, ev * w[:, None])
        np.add.at(den, codes, ex * w[:, None])
        rates = num / np.where(den > 0, den, np.nan) * 1000
        return pd.DataFrame(rates, index=names, columns=events.columns)

    c.step("Callaway-Sant'Anna group-time effects")
    gt = panel.callaway_santanna(
        q, outcome="rate", unit="locality", time="period", cohort="cohort",
        bootstrap=spec.bootstrap, seed=spec.seed, resample=resample,
    )  # fmt: skip
    treated_post = q[(q.cohort > 0) & (q.period >= q.cohort)]
    observed = treated_post.events.sum() / treated_post.person_years.sum() * 1000
    counterfactual = observed - gt.simple

    def ratio(att: float) -> float:
        return observed / max(observed - att, 1e-9)

    effect = fx.from_ratio(
        ratio(gt.simple),
        ratio(gt.simple - fx.Z95 * gt.se_simple),
        ratio(gt.simple + fx.Z95 * gt.se_simple),
        observed / 1000,
        "bootstrap of people (Poisson weights)",
        **c.units(),
    )
    chi2, df, p = gt.lead_test(-8)
    if df:
        pretrend = Diagnostic(
            "pre_trend",
            "pass" if p >= 0.05 else "warning",
            p,
            f"joint Wald test of {df} yearly leads (bootstrap covariance): "
            f"chi2 {chi2:.2f}, p {p:.3f}",
        )
    else:
        pretrend = Diagnostic("pre_trend", "not run", None, "no leads")
    twfe = models.ols_fe(
        q.assign(treated_post=((q.cohort > 0) & (q.period >= q.cohort)).astype(int)),
        "rate", ["treated_post"], ["locality", "period"], "locality",
    )  # fmt: skip
    diagnostics = [
        pretrend,
        _diag_placebo(
            _placebo_staggered(q, resample, spec),
            f"needs {PLACEBO_YEARS + 1}+ years before the earliest start",
        ),
        Diagnostic(
            "twfe_comparison",
            "warning",
            twfe.estimate("treated_post"),
            f"plain TWFE gives {twfe.estimate('treated_post'):+.1f} per 1,000 person-years "
            f"(shown for comparison only; it can be biased when effects vary by cohort)",
        ),
        _diag_evalue(effect),
    ]
    return EvaluationResult(
        spec=spec,
        status="estimate",
        effect=effect,
        cluster="locality",
        clusters=gt.clusters,
        diagnostics=diagnostics,
        event_study=[
            {
                "event": int(r.event),
                "att_per_1000": r.att,
                "se": r.se,
                "low": r.low,
                "high": r.high,
            }
            for r in gt.event.itertuples()
        ],
        counts={
            "localities": int(q.locality.nunique()),
            "treated_localities": int(sum(1 for v in cohort_of.values() if v > 0)),
            "years": int(q.period.nunique()),
            "att_simple_per_1000": gt.simple,
            "att_event_per_1000": gt.event_overall,
            "att_group_per_1000": gt.group_overall,
            "counterfactual_rate_per_1000": counterfactual,
        },
        implications=fx.implications(
            effect, float(treated_post.person_years.sum()), c.mean_stay(frame), spec.outcome
        ),
        caveats=[
            "Callaway-Sant'Anna with never-treated localities as controls, base period g-1; "
            "assumes no anticipation and parallel trends per cohort.",
            f"Only {gt.clusters} localities: too few to cluster by locality, so the interval "
            "comes from resampling people (it reflects who happened to be ill, not shocks shared "
            "by a locality).",
            "Years are aligned on the earliest start; a year in which a locality starts part-way "
            "counts as treated.",
        ],
    )
