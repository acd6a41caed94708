"""Emergency admission in the next 12 months: features in Ibis, logistic regression in memory.

Train on people as at one date (outcome: the following year), test as at the next year's date,
then score everyone as at the latest date. Metrics follow indicators.md: AUC, calibration by decile,
PPV and sensitivity at the top 0.5%, 1% and 5%.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at, days_between
from caretrust.population.frailty import frailty_scores

MODEL_NAME = "emergency_admission_12m_logit_v1"
FEATURES = (
    "age",
    "female",
    "n_conditions",
    "efi_deficits",
    "emergency_admissions",
    "bed_days",
    "ae_attendances",
    "social_care_services",
    "lives_alone",
)
TOP_FRACTIONS = (0.005, 0.01, 0.05)


def features(ds: Dataset, as_of: dt.date, *, with_outcome: bool = True) -> ibis.Table:
    """One row per person alive and aged 18+ on ``as_of``; counts over the previous 365 days."""
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
    past = enc.filter((enc.start_date > year_ago) & (enc.start_date <= as_of))
    is_emergency = past.kind == "emergency_admission"
    use = past.group_by("person_id").aggregate(
        emergency_admissions=is_emergency.cast("int64").sum(),
        bed_days=ibis.ifelse(
            is_emergency, days_between(past.end_date.fill_null(as_of), past.start_date), 0
        ).sum(),
        ae_attendances=(past.kind == "ae").cast("int64").sum(),
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
    care = services.group_by("person_id").aggregate(social_care_services=services.count())
    frail = frailty_scores(ds, as_of, min_age=None).select("person_id", efi_deficits="deficits")
    table = base
    for part in (use, n_conditions, care, frail):
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


def _design(frame: pd.DataFrame) -> np.ndarray:
    x = frame.loc[:, list(FEATURES)].astype("float64").to_numpy()
    counts = [i for i, name in enumerate(FEATURES) if name not in ("age", "female", "lives_alone")]
    x[:, counts] = np.log1p(x[:, counts])  # heavy-tailed counts
    return x


@dataclass(frozen=True)
class RiskModel:
    pipeline: Any  # a fitted scikit-learn Pipeline
    trained_as_of: dt.date

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(_design(frame))[:, 1]


def fit(frame: pd.DataFrame, as_of: dt.date) -> RiskModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    pipeline.fit(_design(frame), frame.outcome.to_numpy())
    return RiskModel(pipeline, as_of)


@dataclass(frozen=True)
class TopFraction:
    fraction: float
    people: int
    ppv: float
    sensitivity: float


@dataclass(frozen=True)
class RiskMetrics:
    auc: float
    n: int
    prevalence: float
    calibration: tuple[tuple[int, float, float], ...]  # (decile 1–10, mean predicted, observed)
    top: tuple[TopFraction, ...]


def evaluate(observed: np.ndarray, predicted: np.ndarray) -> RiskMetrics:
    from sklearn.metrics import roc_auc_score

    observed = np.asarray(observed, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    auc = (
        float(roc_auc_score(observed, predicted))
        if 0 < observed.sum() < len(observed)
        else float("nan")
    )
    order = np.argsort(-predicted, kind="stable")
    return RiskMetrics(
        auc=auc,
        n=len(observed),
        prevalence=float(observed.mean()),
        calibration=calibration_by_decile(observed, predicted),
        top=tuple(top_fraction(observed, order, f) for f in TOP_FRACTIONS),
    )


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
class StratifyResult:
    scores: pd.DataFrame  # risk_scores.parquet columns
    metrics: RiskMetrics
    train_as_of: dt.date
    test_as_of: dt.date


def stratify(ds: Dataset, score_date: dt.date) -> StratifyResult:
    """Train at score_date − 2 years, test at score_date − 1 year, score everyone at score_date."""
    train_as_of = _years_before(score_date, 2)
    test_as_of = _years_before(score_date, 1)
    train = ds.execute(features(ds, train_as_of))
    test = ds.execute(features(ds, test_as_of))
    model = fit(train, train_as_of)
    metrics = evaluate(test.outcome.to_numpy(), model.predict(test))
    now = ds.execute(features(ds, score_date, with_outcome=False))
    risk = model.predict(now)
    scores = pd.DataFrame(
        {
            "person_id": now.person_id.to_numpy(),
            "score_date": score_date,
            "model": MODEL_NAME,
            "risk": risk.astype("float64"),
            "rank_percentile": pd.Series(risk).rank(pct=True, method="max").to_numpy() * 100,
        }
    )
    return StratifyResult(scores, metrics, train_as_of, test_as_of)


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
