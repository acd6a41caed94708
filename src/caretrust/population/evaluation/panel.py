"""Area-panel designs: Callaway-Sant'Anna group-time effects and synthetic control.

Callaway & Sant'Anna (J Econom 2021;225:200): ATT(g,t) for each cohort g (first treated period)
against never-treated units, with base period g-1 ("universal" base: leads are also measured from
g-1, so ATT(g,g-1) = 0 by construction). Aggregations as in the `did` package: simple
(group-size-weighted mean of post-period ATT(g,t)), event (by e = t - g, then the mean over e >= 0)
and group (mean over t >= g per cohort, then group-size-weighted). Inference: a unit bootstrap
(resample units within cohorts and the never-treated), seeded.

Synthetic control (Abadie, Diamond, Hainmueller, JASA 2010;105:493): donor weights on the simplex
fitting the treated unit's pre-period outcome path (scipy SLSQP), placebo-in-space inference:
each donor in turn is "treated" and fitted from the others; p = rank of the treated unit's
post/pre RMSPE ratio among all J+1 ratios / (J+1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

MIN_DONORS = 10


class Refusal(ValueError):
    """The design cannot answer the question with these data; the message says why in words."""


# --- Callaway-Sant'Anna ---------------------------------------------------------------------


@dataclass
class GroupTime:
    att: pd.DataFrame  # group, time, event, att, n_units
    simple: float
    event: pd.DataFrame  # event, att, se, low, high
    event_draws: pd.DataFrame  # bootstrap draws of the event-study ATTs (events x draws)
    event_overall: float
    group: pd.DataFrame  # group, att
    group_overall: float
    se_simple: float
    se_event_overall: float
    se_group_overall: float
    bootstrap: int
    clusters: int
    warnings: list[str] = field(default_factory=list)

    def lead_test(self, lowest: int = -8) -> tuple[float, int, float]:
        """Joint Wald test that leads e in [lowest, -2] are zero, with the bootstrap covariance
        (leads share the base period g-1, so they are correlated)."""
        from scipy import stats

        leads = [e for e in self.event.event if lowest <= e <= -2]
        if not leads:
            return float("nan"), 0, float("nan")
        b = self.event.set_index("event").att.loc[leads].to_numpy()
        v = np.cov(self.event_draws.loc[leads].to_numpy())
        v = np.atleast_2d(v)
        chi2 = float(b @ np.linalg.pinv(v) @ b)
        return chi2, len(leads), float(stats.chi2.sf(chi2, len(leads)))


def _att_gt(wide: pd.DataFrame, cohort: pd.Series) -> pd.DataFrame:
    """ATT(g,t) from a units x periods outcome matrix and each unit's cohort (0 = never)."""
    periods = list(wide.columns)
    never = wide[cohort == 0]
    rows = []
    for g in sorted(c for c in cohort.unique() if c != 0):
        if g - 1 not in periods:
            continue  # no base period: the cohort is treated from the first period
        treated = wide[cohort == g]
        base_t, base_c = treated[g - 1], never[g - 1]
        for t in periods:
            att = (treated[t] - base_t).mean() - (never[t] - base_c).mean()
            rows.append((g, t, t - g, float(att), len(treated)))
    return pd.DataFrame(rows, columns=["group", "time", "event", "att", "n_units"])


def _aggregate(att: pd.DataFrame) -> tuple[float, pd.DataFrame, float, pd.DataFrame, float]:
    post = att[att.time >= att.group]
    simple = float(np.average(post.att, weights=post.n_units))
    event = (
        att.groupby("event")
        .apply(lambda d: np.average(d.att, weights=d.n_units), include_groups=False)
        .rename("att")
        .reset_index()
    )
    event_overall = float(event[event.event >= 0].att.mean())
    group = post.groupby("group").agg(att=("att", "mean"), n_units=("n_units", "first"))
    group_overall = float(np.average(group.att, weights=group.n_units))
    return simple, event, event_overall, group.reset_index(), group_overall


def callaway_santanna(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    bootstrap: int = 499,
    seed: int = 0,
    resample: Callable[[np.random.Generator], pd.DataFrame] | None = None,
) -> GroupTime:
    """Group-time ATTs with never-treated controls. ``cohort`` is the first treated period, 0 if
    never treated. Refuses without never-treated units.

    Bootstrap: by default units are resampled within cohorts; ``resample(rng)`` may instead
    return a bootstrap copy of the units x periods outcome matrix (same units, same order), e.g.
    rates recomputed from resampled people when there are too few units to resample.
    """
    wide = data.pivot(index=unit, columns=time, values=outcome).sort_index()
    cohorts = data.groupby(unit)[cohort].first().reindex(wide.index)
    if (cohorts == 0).sum() < 2:
        raise Refusal(
            "Staggered design needs at least two never-treated units as controls; "
            f"found {(cohorts == 0).sum()}."
        )
    if wide.isna().any().any():
        raise Refusal("Staggered design needs a balanced panel (every unit in every period).")
    att = _att_gt(wide, cohorts)
    if att.empty:
        raise Refusal("No treated cohort has a pre-period (base period g-1) in the data.")
    simple, event, event_overall, group, group_overall = _aggregate(att)
    rng = np.random.default_rng(seed)
    draws = []
    members = {c: np.flatnonzero((cohorts == c).to_numpy()) for c in cohorts.unique()}
    values, labels = wide.to_numpy(), cohorts.to_numpy()
    for _ in range(bootstrap):
        if resample is None:
            pick = np.concatenate([rng.choice(ix, len(ix)) for ix in members.values()])
            resampled = pd.DataFrame(values[pick], columns=wide.columns)
            a = _att_gt(resampled, pd.Series(labels[pick]))
        else:
            copy = resample(rng).reindex(index=wide.index, columns=wide.columns)
            a = _att_gt(copy, cohorts)
        s, ev, evo, _, go = _aggregate(a)
        draws.append((s, evo, go, ev.set_index("event").att))
    se = [float(np.std([d[i] for d in draws], ddof=1)) for i in range(3)]
    event_draws = pd.concat([d[3] for d in draws], axis=1)
    event = event.assign(se=event.event.map(event_draws.std(axis=1, ddof=1)))
    event = event.assign(low=event.att - 1.96 * event.se, high=event.att + 1.96 * event.se)
    return GroupTime(
        att=att,
        simple=simple,
        event=event,
        event_draws=event_draws,
        event_overall=event_overall,
        group=group,
        group_overall=group_overall,
        se_simple=se[0],
        se_event_overall=se[1],
        se_group_overall=se[2],
        bootstrap=bootstrap,
        clusters=len(wide),
    )


# --- Synthetic control --------------------------------------------------------------------------


@dataclass
class SyntheticControl:
    weights: dict[str, float]
    periods: list[str]
    observed: list[float]
    synthetic: list[float]
    pre_rmspe: float
    post_rmspe: float
    ratio: float  # post/pre RMSPE
    rate_ratio: float  # observed / synthetic over the post period
    p_value: float
    placebo_ratios: dict[str, float]
    placebo_rate_ratios: dict[str, float]
    donors: int
    leave_one_out: dict[str, float]


def simplex_weights(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to one minimising ||target - donors @ w||^2 (pre-period)."""
    j = donors.shape[1]
    start = np.full(j, 1.0 / j)
    scale = max(float(np.abs(target).mean()), 1e-9)  # well-conditioned objective

    def loss(w: np.ndarray) -> float:
        r = (target - donors @ w) / scale
        return float(r @ r)

    def grad(w: np.ndarray) -> np.ndarray:
        return -2.0 * donors.T @ (target - donors @ w) / scale**2

    result = optimize.minimize(
        loss,
        start,
        jac=grad,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * j,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(j)}],
        options={"maxiter": 500, "ftol": 1e-12},
    )
    w = np.clip(result.x, 0.0, None)
    return w / w.sum()


def _fit(series: pd.DataFrame, treated: str, donors: list[str], pre: np.ndarray):
    w = simplex_weights(series[treated].to_numpy()[pre], series[donors].to_numpy()[pre])
    synthetic = series[donors].to_numpy() @ w
    gap = series[treated].to_numpy() - synthetic
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    rate_ratio = float(series[treated].to_numpy()[~pre].sum() / synthetic[~pre].sum())
    return w, synthetic, pre_rmspe, post_rmspe, rate_ratio


def synthetic_control(
    series: pd.DataFrame, treated: str, post_from: str, *, min_donors: int = MIN_DONORS
) -> SyntheticControl:
    """``series``: periods (index, sortable labels) x units (columns) of an outcome rate."""
    donors = [c for c in series.columns if c != treated]
    if len(donors) < min_donors:
        raise Refusal(
            f"Synthetic control needs at least {min_donors} donor areas for placebo inference "
            f"(p >= 1/(J+1)); only {len(donors)} were given."
        )
    series = series.sort_index()
    pre = np.asarray(series.index.astype(str) < post_from)
    if pre.sum() < 4:
        raise Refusal(f"Synthetic control needs at least 4 pre-period points; found {pre.sum()}.")
    if (~pre).sum() < 1:
        raise Refusal("There is no post-period to evaluate.")
    w, synthetic, pre_rmspe, post_rmspe, rate_ratio = _fit(series, treated, donors, pre)
    ratio = post_rmspe / max(pre_rmspe, 1e-12)
    placebo, placebo_rr = {}, {}
    for donor in donors:
        others = [d for d in donors if d != donor]
        _, _, pre_d, post_d, rr_d = _fit(series, donor, others, pre)
        placebo[donor] = post_d / max(pre_d, 1e-12)
        placebo_rr[donor] = rr_d
    rank = 1 + sum(r >= ratio for r in placebo.values())
    leave_one_out = {}
    for donor in [d for d, wt in zip(donors, w, strict=True) if wt > 0.01]:
        others = [d for d in donors if d != donor]
        leave_one_out[donor] = _fit(series, treated, others, pre)[4]
    return SyntheticControl(
        weights={d: round(float(x), 6) for d, x in zip(donors, w, strict=True)},
        periods=[str(p) for p in series.index],
        observed=[float(v) for v in series[treated]],
        synthetic=[float(v) for v in synthetic],
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        ratio=ratio,
        rate_ratio=rate_ratio,
        p_value=rank / (len(donors) + 1),
        placebo_ratios=placebo,
        placebo_rate_ratios=placebo_rr,
        donors=len(donors),
        leave_one_out=leave_one_out,
    )
