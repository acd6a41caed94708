"""Matched comparison cohort: exact on age band and sex, nearest propensity score within.

The propensity score is a logistic regression (statsmodels) of being in the treated area on
prior use, frailty and conditions. Treated people whose score lies outside the range of the
comparison people in their exact stratum are off common support and dropped (counted); the rest
are matched to the ``NEIGHBOURS`` nearest comparison people in the stratum, with replacement,
within a caliper of 0.2 standard deviations of the logit score (Austin 2011; several neighbours
steady the matched sample's means); treated people with no neighbour inside the caliper are
counted too. Balance: standardised mean differences before and after (Austin, Stat Med
2009;28:3083); an after-SMD of 0.1 or more is flagged, and 0.25 or more (Rubin 2001) fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PS_COVARIATES = ("age", "prior_emergency", "prior_ae", "deficits", "lives_alone")
BALANCE_COVARIATES = ("age", "female", "prior_emergency", "prior_ae", "deficits", "lives_alone")
EXACT = ("age_band", "sex")
SMD_LIMIT = 0.1
SMD_FAIL = 0.25
NEIGHBOURS = 3
CALIPER_SD = 0.2


@dataclass
class Matched:
    pairs: pd.DataFrame  # treated person_id, control person_id, stratum
    weights: pd.Series  # person_id -> weight (treated 1; a control once per use)
    balance: pd.DataFrame  # covariate, smd_before, smd_after, passes
    treated: int
    off_support: int
    unmatched: int
    controls_used: int
    matched_treated: int

    @property
    def balanced(self) -> bool:
        return bool(self.balance.passes.all())

    @property
    def failed(self) -> bool:
        return bool((self.balance.smd_after.abs() >= SMD_FAIL).any())


def _smd(treated: pd.Series, control: pd.Series, w_control: np.ndarray | None = None) -> float:
    mt, vt = treated.mean(), treated.var(ddof=1)
    if w_control is None:
        mc, vc = control.mean(), control.var(ddof=1)
    else:
        mc = np.average(control, weights=w_control)
        vc = np.average((control - mc) ** 2, weights=w_control)
    pooled = np.sqrt((vt + vc) / 2.0)
    return 0.0 if pooled == 0 else float((mt - mc) / pooled)


def propensity(frame: pd.DataFrame, treated: pd.Series) -> np.ndarray:
    """Logit propensity score (linear predictor) of treatment on PS_COVARIATES."""
    import statsmodels.api as sm

    covariates = frame[list(PS_COVARIATES)].astype(float)
    # a covariate with one value in the cohort (no one coded as living alone in a small place)
    # says nothing about who was treated and would make the logit's Hessian singular
    covariates = covariates.loc[:, covariates.nunique() > 1]
    x = sm.add_constant(covariates, has_constant="add")
    model = sm.Logit(treated.astype(float).to_numpy(), x.to_numpy())
    fitted = model.fit(disp=False, maxiter=100)
    return x.to_numpy() @ fitted.params


def match(frame: pd.DataFrame, treated_col: str = "treated") -> Matched:
    """``frame``: one row per person with PS/balance covariates, EXACT columns and a 0/1 flag."""
    frame = frame.sort_values("person_id").reset_index(drop=True)
    treated = frame[treated_col].astype(bool)
    score = propensity(frame, treated)
    caliper = CALIPER_SD * float(np.std(score, ddof=1))
    frame = frame.assign(
        _score=score, _stratum=frame[list(EXACT)].astype(str).agg("|".join, axis=1)
    )
    pairs, off_support, unmatched = [], 0, 0
    for stratum, group in frame.groupby("_stratum", sort=True):
        t = group[group[treated_col].astype(bool)]
        c = group[~group[treated_col].astype(bool)]
        if len(t) == 0:
            continue
        if len(c) == 0:
            off_support += len(t)
            continue
        lo, hi = c._score.min(), c._score.max()
        inside = (t._score >= lo) & (t._score <= hi)
        off_support += int((~inside).sum())
        c_scores = c._score.to_numpy()
        order = np.argsort(c_scores, kind="mergesort")
        sorted_scores, sorted_ids = c_scores[order], c.person_id.to_numpy()[order]
        k = min(NEIGHBOURS, len(sorted_scores))
        for pid, s in zip(t.person_id[inside], t._score[inside], strict=True):
            pos = np.searchsorted(sorted_scores, s)
            window = np.arange(max(0, pos - k), min(len(sorted_scores), pos + k))
            distance = np.abs(sorted_scores[window] - s)
            nearest = window[np.lexsort((window, distance))][:k]
            nearest = nearest[np.abs(sorted_scores[nearest] - s) <= caliper]
            if len(nearest) == 0:
                unmatched += 1
                continue
            for p in nearest:
                pairs.append((pid, sorted_ids[p], stratum, 1.0 / len(nearest)))
    pairs_frame = pd.DataFrame(pairs, columns=["treated_id", "control_id", "stratum", "weight"])
    # a control's weight: the sum over the treated it serves of 1 / (that treated's matches)
    uses = pairs_frame.groupby("control_id").weight.sum()
    weights = pd.concat(
        [pd.Series(1.0, index=pairs_frame.treated_id.unique()), uses.astype(float)]
    ).sort_index()
    balance = _balance(frame, treated_col, pairs_frame, uses)
    return Matched(
        pairs=pairs_frame,
        weights=weights,
        balance=balance,
        treated=int(treated.sum()),
        off_support=off_support,
        unmatched=unmatched,
        controls_used=len(uses),
        matched_treated=int(pairs_frame.treated_id.nunique()),
    )


def _balance(frame, treated_col, pairs, uses) -> pd.DataFrame:
    is_t = frame[treated_col].astype(bool)
    matched_t = frame[frame.person_id.isin(pairs.treated_id)]
    matched_c = frame.set_index("person_id").loc[uses.index.to_numpy()].rename_axis("person_id")
    matched_c = matched_c.reset_index()
    w = uses.loc[matched_c.person_id.to_numpy()].to_numpy(float)
    rows = []
    for cov in BALANCE_COVARIATES:
        before = _smd(frame.loc[is_t, cov], frame.loc[~is_t, cov])
        after = _smd(matched_t[cov], matched_c[cov], w) if len(pairs) else float("nan")
        rows.append((cov, round(before, 4), round(after, 4), bool(abs(after) < SMD_LIMIT)))
    return pd.DataFrame(rows, columns=["covariate", "smd_before", "smd_after", "passes"])
