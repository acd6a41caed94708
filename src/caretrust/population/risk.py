"""Emergency admission in the next 12 months: features in Ibis, two models in memory.

Features stop at the prediction date: counts over the previous one, two and five years, bed days
clipped to the year before the date (a spell still open on the date counts only up to it), eFI,
conditions, social care, age, sex. A logistic regression and a gradient-boosted model
(scikit-learn's HistGradientBoostingClassifier) are fitted on a training split of the people as at
one date (outcome: the following year) and compared on a validation split of them; the better on
validation (higher AUC) is kept and named. It is then tested as at the next year's date against an
age-only logistic baseline and, where the generator's truth is at hand, the true risk (the AUC no
model can beat), and scores everyone as at the latest date. Metrics follow indicators.md: AUC,
calibration (slope, intercept, by decile), PPV and sensitivity at the top 0.5%, 1% and 5%.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at, days_between
from caretrust.population.frailty import frailty_scores

MODEL_NAMES = {
    "logistic": "emergency_admission_12m_logit_v2",
    "gradient_boosting": "emergency_admission_12m_hgb_v1",
}
MODEL_NAME = MODEL_NAMES["logistic"]  # kept for callers that name the logistic model
COUNT_WINDOWS = {
    "": 365,
    "_2y": 730,
    "_5y": 1826,
    "_10y": 3652,
}  # feature suffix: days before the date
FEATURES = (
    "age",
    "female",
    "n_conditions",
    "efi_deficits",
    "emergency_admissions",
    "emergency_admissions_2y",
    "emergency_admissions_5y",
    "emergency_admissions_10y",
    "bed_days",
    "in_hospital",
    "ae_attendances",
    "ae_attendances_2y",
    "ae_attendances_5y",
    "ae_attendances_10y",
    "gp_contacts",
    "gp_contacts_2y",
    "gp_contacts_5y",
    "gp_contacts_10y",
    "social_care_services",
    "care_home",
    "lives_alone",
)
_NOT_COUNTS = ("age", "female", "lives_alone", "in_hospital", "care_home")
CARE_HOME_SERVICES = ("long_term_residential", "long_term_nursing")
TOP_FRACTIONS = (0.005, 0.01, 0.05)
VALIDATION_SHARE = 0.25
SPLIT_SEED = 20_261_202


def features(ds: Dataset, as_of: dt.date, *, with_outcome: bool = True) -> ibis.Table:
    """One row per person alive and aged 18+ on ``as_of``. Nothing after ``as_of`` is read:
    counts are of events starting on or before it, bed days stop at it (a spell still open on the
    date counts up to the date, and ``in_hospital`` is 1), conditions and services are those
    started by it. Only ``outcome`` (with_outcome) looks at the following 365 days."""
    when = ibis.literal(as_of)
    people = ds.people
    alive = people.filter(
        (people.birth_date <= as_of) & (people.death_date.isnull() | (people.death_date > as_of))
    )
    base = alive.select(
        "person_id",
        age=age_at(alive.birth_date, when),
        female=(alive.sex == "female").cast("int64"),
        lives_alone=alive.lives_alone.fill_null(False).cast("int64"),
    ).filter(lambda t: t.age >= 18)
    year_ago = add_days(when, -365)
    enc = ds.table("encounters")
    longest = max(COUNT_WINDOWS.values())
    past = enc.filter((enc.start_date > add_days(when, -longest)) & (enc.start_date <= as_of))
    counts = {}
    for suffix, days in COUNT_WINDOWS.items():
        inside = past.start_date > add_days(when, -days)
        for kind, name in (
            ("emergency_admission", "emergency_admissions"),
            ("ae", "ae_attendances"),
            ("gp", "gp_contacts"),
        ):
            if f"{name}{suffix}" in FEATURES:
                counts[f"{name}{suffix}"] = ((past.kind == kind) & inside).cast("int64").sum()
    use = past.group_by("person_id").aggregate(**counts)
    # bed days in the year before the date, clipped at both ends: a spell begun before the year
    # counts from its start, one still open on the date (or with no end) counts up to the date
    spells = enc.filter(
        (enc.kind == "emergency_admission")
        & (enc.start_date <= as_of)
        & (enc.end_date.isnull() | (enc.end_date > year_ago))
    )
    clipped_end = ibis.least(spells.end_date.fill_null(as_of), when)
    clipped_start = ibis.greatest(spells.start_date, year_ago)
    open_on_date = spells.end_date.isnull() | (spells.end_date > as_of)
    beds = spells.group_by("person_id").aggregate(
        bed_days=ibis.greatest(days_between(clipped_end, clipped_start), 0).sum(),
        in_hospital=open_on_date.cast("int64").max(),
    )
    cond = ds.table("conditions")
    conditions = cond.filter(cond.onset_date <= as_of)
    n_conditions = conditions.group_by("person_id").aggregate(
        n_conditions=conditions.code.nunique()
    )
    sc = ds.table("social_care_events")
    services = sc.filter(
        (sc.event_type == "service")
        & (sc.start_date <= as_of)
        & (sc.end_date.isnull() | (sc.end_date > year_ago))
    )
    in_care_home = services.service_type.isin(CARE_HOME_SERVICES) & (
        services.end_date.isnull() | (services.end_date > as_of)
    )
    care = services.group_by("person_id").aggregate(
        social_care_services=services.count(), care_home=in_care_home.cast("int64").max()
    )
    frail = frailty_scores(ds, as_of, min_age=None).select("person_id", efi_deficits="deficits")
    table = base
    for part in (use, beds, n_conditions, care, frail):
        table = table.left_join(part, "person_id").drop("person_id_right")
    filled = {c: table[c].fill_null(0).cast("int64") for c in FEATURES if c not in ("age",)}
    table = table.mutate(**filled)
    if with_outcome:
        later = enc.filter(
            (enc.kind == "emergency_admission")
            & (enc.start_date > as_of)
            & (enc.start_date <= add_days(when, 365))
        )
        outcome = later.select("person_id").distinct().mutate(outcome=ibis.literal(1))
        table = table.left_join(outcome, "person_id").drop("person_id_right")
        table = table.mutate(outcome=table.outcome.fill_null(0).cast("int64"))
    return table


def _design(frame: pd.DataFrame, columns: tuple[str, ...] = FEATURES) -> np.ndarray:
    x = frame.loc[:, list(columns)].astype("float64").to_numpy()
    counts = [i for i, name in enumerate(columns) if name not in _NOT_COUNTS]
    x[:, counts] = np.log1p(x[:, counts])  # heavy-tailed counts
    return x


@dataclass(frozen=True)
class RiskModel:
    pipeline: Any  # a fitted scikit-learn estimator
    trained_as_of: dt.date
    kind: str = "logistic"  # logistic, gradient_boosting or age_only
    columns: tuple[str, ...] = FEATURES

    @property
    def name(self) -> str:
        return MODEL_NAMES.get(self.kind, f"emergency_admission_12m_{self.kind}")

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(_design(frame, self.columns))[:, 1]


def fit(frame: pd.DataFrame, as_of: dt.date, kind: str = "logistic") -> RiskModel:
    """Fit one model: ``logistic`` (standardised log counts, L2 as scikit-learn's default),
    ``gradient_boosting`` (HistGradientBoostingClassifier, early stopping on an internal 10%),
    or ``age_only`` (the baseline: logistic on age and age squared)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = frame.outcome.to_numpy()
    if kind == "gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=400,
            max_leaf_nodes=15,
            min_samples_leaf=100,
            l2_regularization=1.0,
            early_stopping=True,
            validation_fraction=0.1,
            n_iter_no_change=20,
            random_state=0,
        )
        model.fit(_design(frame), y)
        return RiskModel(model, as_of, kind)
    if kind == "age_only":
        columns: tuple[str, ...] = ("age", "age_squared")
        frame = frame.assign(age_squared=frame.age.astype("float64") ** 2)
        pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        pipeline.fit(_design(frame, columns), y)
        return _AgeOnly(pipeline, as_of, kind, columns)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    pipeline.fit(_design(frame), y)
    return RiskModel(pipeline, as_of, kind)


@dataclass(frozen=True)
class _AgeOnly(RiskModel):
    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        frame = frame.assign(age_squared=frame.age.astype("float64") ** 2)
        return self.pipeline.predict_proba(_design(frame, self.columns))[:, 1]


@dataclass(frozen=True)
class TopFraction:
    fraction: float
    people: int
    ppv: float
    sensitivity: float


@dataclass(frozen=True)
class Calibration:
    slope: float  # b in logit P(outcome) = a + b·logit(predicted): 1 is ideal, < 1 too extreme
    intercept: float  # a, from the same fit


@dataclass(frozen=True)
class RiskMetrics:
    auc: float
    n: int
    prevalence: float
    calibration: tuple[tuple[int, float, float], ...]  # (decile 1–10, mean predicted, observed)
    top: tuple[TopFraction, ...]
    slope: float = float("nan")
    intercept: float = float("nan")
    mean_predicted: float = float("nan")


def auc(observed: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    observed = np.asarray(observed, dtype=float)
    if not 0 < observed.sum() < len(observed):
        return float("nan")
    return float(roc_auc_score(observed, np.asarray(predicted, dtype=float)))


def evaluate(observed: np.ndarray, predicted: np.ndarray) -> RiskMetrics:
    observed = np.asarray(observed, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    order = np.argsort(-predicted, kind="stable")
    cal = calibration_slope(observed, predicted)
    return RiskMetrics(
        auc=auc(observed, predicted),
        n=len(observed),
        prevalence=float(observed.mean()),
        calibration=calibration_by_decile(observed, predicted),
        top=tuple(top_fraction(observed, order, f) for f in TOP_FRACTIONS),
        slope=cal.slope,
        intercept=cal.intercept,
        mean_predicted=float(predicted.mean()),
    )


def calibration_slope(observed: np.ndarray, predicted: np.ndarray) -> Calibration:
    """Logistic recalibration: fit logit P(outcome) = a + b·logit(predicted) by maximum
    likelihood (Newton–Raphson, no penalty). Predictions are clipped to [1e-6, 1 − 1e-6]. NaN
    when the fit has no finite solution (outcomes perfectly separated by the prediction)."""
    y = np.asarray(observed, dtype=float)
    p = np.clip(np.asarray(predicted, dtype=float), 1e-6, 1 - 1e-6)
    if not 0 < y.sum() < len(y):
        return Calibration(float("nan"), float("nan"))
    from scipy.special import expit

    x = np.column_stack([np.ones(len(p)), np.log(p / (1 - p))])
    beta = np.array([0.0, 1.0])
    for _ in range(100):
        mu = expit(x @ beta)
        w = mu * (1 - mu)
        try:
            step = np.linalg.solve(x.T @ (x * w[:, None]), x.T @ (y - mu))
        except np.linalg.LinAlgError:  # e.g. outcomes perfectly separated: no finite fit
            break
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            break
        if np.max(np.abs(step)) < 1e-10:
            return Calibration(slope=float(beta[1]), intercept=float(beta[0]))
    return Calibration(float("nan"), float("nan"))


def calibration_by_decile(observed: np.ndarray, predicted: np.ndarray):
    ranks = np.argsort(np.argsort(predicted, kind="stable"), kind="stable")
    decile = ranks * 10 // len(predicted)
    return tuple(
        (int(d) + 1, float(predicted[decile == d].mean()), float(observed[decile == d].mean()))
        for d in range(10)
        if (decile == d).any()
    )


def top_fraction(observed: np.ndarray, order: np.ndarray, fraction: float) -> TopFraction:
    """PPV and sensitivity when the top ``fraction`` by risk (at least one person) is flagged."""
    k = max(1, round(len(order) * fraction))
    hits = float(observed[order[:k]].sum())
    total = float(observed.sum())
    return TopFraction(fraction, k, hits / k, hits / total if total else float("nan"))


@dataclass(frozen=True)
class ModelChoice:
    """Both candidates' validation AUC and the one kept."""

    kept: str  # logistic or gradient_boosting
    validation_auc: dict[str, float]
    train_n: int
    validation_n: int

    @property
    def reason(self) -> str:
        other = next(k for k in self.validation_auc if k != self.kept)
        return (
            f"{self.kept.replace('_', ' ')} kept: validation AUC "
            f"{self.validation_auc[self.kept]:.3f} against {self.validation_auc[other]:.3f} "
            f"({other.replace('_', ' ')}), {self.validation_n:,} people held out"
        )


def choose_model(frame: pd.DataFrame, as_of: dt.date) -> tuple[RiskModel, ModelChoice]:
    """Split people at random (a fixed seed) into training and validation; fit the logistic and
    the gradient-boosted model on training; keep the one with the higher validation AUC (the
    logistic on a tie: simpler)."""
    rng = np.random.default_rng(SPLIT_SEED)
    held_out = rng.random(len(frame)) < VALIDATION_SHARE
    train, validation = frame[~held_out], frame[held_out]
    models = {kind: fit(train, as_of, kind) for kind in ("logistic", "gradient_boosting")}
    scores = {
        kind: auc(validation.outcome.to_numpy(), model.predict(validation))
        for kind, model in models.items()
    }
    kept = max(scores, key=lambda k: (_finite(scores[k]), k == "logistic"))
    return models[kept], ModelChoice(kept, scores, len(train), len(validation))


def _finite(value: float) -> float:
    return value if math.isfinite(value) else -1.0


@dataclass(frozen=True)
class StratifyResult:
    scores: pd.DataFrame  # risk_scores.parquet columns
    metrics: RiskMetrics  # the kept model on the test date
    train_as_of: dt.date
    test_as_of: dt.date
    choice: ModelChoice | None = None
    age_only: RiskMetrics | None = None  # the age-only baseline on the test date
    true_risk: RiskMetrics | None = None  # the generator's true risk, where its truth is given
    true_risk_year_start: dt.date | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def model_name(self) -> str:
        return MODEL_NAMES[self.choice.kept] if self.choice else MODEL_NAME

    def report(self) -> dict:
        """Aggregate figures only (no person): what the command prints and the page shows."""
        return model_report(self)


def stratify(
    ds: Dataset, score_date: dt.date, *, truth: pd.DataFrame | Path | None = None
) -> StratifyResult:
    """Train at score_date − 2 years, test at score_date − 1 year, score everyone at score_date.
    ``truth``: the generator's truth/person_risk table (or its path) for the true-risk ceiling;
    never a feature."""
    import time

    timings: dict[str, float] = {}
    clock = time.perf_counter()
    train_as_of = _years_before(score_date, 2)
    test_as_of = _years_before(score_date, 1)
    train = _sorted(ds.execute(features(ds, train_as_of)))
    test = _sorted(ds.execute(features(ds, test_as_of)))
    timings["features_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    model, choice = choose_model(train, train_as_of)
    baseline = fit(train, train_as_of, "age_only")
    timings["fit_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    observed = test.outcome.to_numpy()
    metrics = evaluate(observed, model.predict(test))
    age_only = evaluate(observed, baseline.predict(test))
    true_metrics, year_start = None, None
    if truth is not None:
        true_risk, year_start = true_risk_on(test, test_as_of, truth)
        if true_risk is not None:
            true_metrics = evaluate(observed, true_risk)
    timings["evaluate_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    now = _sorted(ds.execute(features(ds, score_date, with_outcome=False)))
    risk = model.predict(now)
    timings["score_s"] = time.perf_counter() - clock
    scores = pd.DataFrame(
        {
            "person_id": now.person_id.to_numpy(),
            "score_date": score_date,
            "model": model.name,
            "risk": risk.astype("float64"),
            "rank_percentile": pd.Series(risk).rank(pct=True, method="max").to_numpy() * 100,
        }
    )
    return StratifyResult(
        scores,
        metrics,
        train_as_of,
        test_as_of,
        choice,
        age_only,
        true_metrics,
        year_start,
        timings,
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in person order: an engine may return them in any order, and the split must not
    depend on it (same data, same split, same model)."""
    return frame.sort_values("person_id", kind="stable").reset_index(drop=True)


def true_risk_on(
    frame: pd.DataFrame, as_of: dt.date, truth: pd.DataFrame | Path
) -> tuple[np.ndarray | None, dt.date | None]:
    """Each person's true probability of an emergency admission in the outcome year, from the
    generator's truth (``true_admission_risk`` of the simulated year starting the day after
    ``as_of``, or the nearest year start within 31 days). None if the truth has no such year or
    lacks more than 1% of the people (not this place's truth)."""
    if not isinstance(truth, pd.DataFrame):
        truth = pd.read_parquet(truth, columns=["person_id", "year_start", "true_admission_risk"])
    if truth.empty or "true_admission_risk" not in truth:
        return None, None
    starts = pd.to_datetime(pd.Series(truth.year_start.unique()))
    wanted = pd.Timestamp(as_of + dt.timedelta(days=1))
    gap = (starts - wanted).abs()
    if gap.min() > pd.Timedelta(days=31):
        return None, None
    start = starts[gap.idxmin()]
    year = truth[pd.to_datetime(truth.year_start) == start]
    risk = frame[["person_id"]].merge(
        year[["person_id", "true_admission_risk"]], on="person_id", how="left"
    )
    missing = risk.true_admission_risk.isna()
    if missing.mean() > 0.01:  # not this place's truth
        return None, None
    # a death on the year's first day (pushed there past a discharge) leaves no row: no risk left
    return risk.true_admission_risk.fillna(0.0).to_numpy(dtype=float), start.date()


def model_report(result: StratifyResult) -> dict:
    """The figures as plain JSON-able data: kept model and why, test AUC beside the age-only
    baseline and the true-risk ceiling, calibration and the top fractions."""

    def metrics(m: RiskMetrics | None) -> dict | None:
        if m is None:
            return None
        out = asdict(m)
        out["calibration"] = [
            {"decile": d, "mean_predicted": p, "observed": o} for d, p, o in m.calibration
        ]
        return out

    choice = result.choice
    return {
        "model": result.model_name,
        "kept": choice.kept if choice else "logistic",
        "reason": choice.reason if choice else "",
        "validation_auc": choice.validation_auc if choice else {},
        "train_as_of": result.train_as_of.isoformat(),
        "test_as_of": result.test_as_of.isoformat(),
        "score_date": str(result.scores.score_date.iloc[0]) if len(result.scores) else None,
        "features": list(FEATURES),
        "test": metrics(result.metrics),
        "age_only": metrics(result.age_only),
        "true_risk": metrics(result.true_risk),
        "true_risk_year_start": (
            result.true_risk_year_start.isoformat() if result.true_risk_year_start else None
        ),
    }


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def write_scores(scores: pd.DataFrame, path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from caretrust.contract import RESULT_SCHEMAS

    schema = RESULT_SCHEMAS["risk_scores"]
    pq.write_table(pa.Table.from_pandas(scores, schema=schema, preserve_index=False), path)


def write_report(report: dict, path) -> None:
    """The model's aggregate figures (no person) as JSON, written whole or not at all."""
    import json

    path = Path(path)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=2, allow_nan=True), encoding="utf-8")
    temporary.replace(path)
