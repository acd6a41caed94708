"""Regression engines: linear two-way fixed effects (pyfixest's CRV1 factor) and Poisson GLMs.

Linear TWFE builds the fixed effects as dummies (panels here are small: areas x months) and
solves by least squares. Cluster-robust errors use the CRV1 small-sample factor
G/(G-1) * (N-1)/(N-K) with K counting the fixed effects *not nested* in the cluster, as pyfixest
does by default (`ssc(adj=True, fixef_k="nested", cluster_adj=True)`); statsmodels' own
cluster option counts every dummy and gives a different number (0.006721 against 0.006131 for
the organ-donation reference), so the factor is pinned here and tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass
class Fit:
    """Named coefficients with iid and cluster-robust covariance."""

    names: list[str]
    coef: np.ndarray
    vcov: np.ndarray  # cluster-robust (or iid when no cluster)
    vcov_iid: np.ndarray
    n: int
    k: int
    clusters: int
    cluster: str | None

    def index(self, name: str) -> int:
        return self.names.index(name)

    def estimate(self, name: str) -> float:
        return float(self.coef[self.index(name)])

    def se(self, name: str, kind: str = "cluster") -> float:
        matrix = self.vcov if kind == "cluster" else self.vcov_iid
        i = self.index(name)
        return float(np.sqrt(matrix[i, i]))

    def wald(self, names: list[str]) -> tuple[float, int, float]:
        """Joint test that the named coefficients are all zero: (chi2, df, p)."""
        idx = [self.index(name) for name in names]
        b = self.coef[idx]
        v = self.vcov[np.ix_(idx, idx)]
        chi2 = float(b @ np.linalg.pinv(v) @ b)
        return chi2, len(idx), float(stats.chi2.sf(chi2, len(idx)))


def _dummies(df: pd.DataFrame, fixed_effects: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    parts, levels = [], {}
    for fe in fixed_effects:
        d = pd.get_dummies(df[fe].astype(str), prefix=f"fe_{fe}", drop_first=True, dtype=float)
        parts.append(d)
        levels[fe] = df[fe].nunique()
    return (pd.concat(parts, axis=1) if parts else pd.DataFrame(index=df.index)), levels


def ols_fe(
    df: pd.DataFrame,
    y: str,
    regressors: list[str],
    fixed_effects: list[str],
    cluster: str | None = None,
) -> Fit:
    """y on regressors with fixed effects (as dummies) and an intercept."""
    dummies, levels = _dummies(df, fixed_effects)
    x = pd.concat([df[regressors].astype(float), dummies], axis=1)
    x.insert(0, "_intercept", 1.0)
    xv, yv = x.to_numpy(), df[y].to_numpy(float)
    n, k = xv.shape
    bread = np.linalg.pinv(xv.T @ xv)
    coef = bread @ xv.T @ yv
    resid = yv - xv @ coef
    vcov_iid = bread * (resid @ resid) / (n - k)
    vcov, groups = vcov_iid, 0
    if cluster is not None:
        codes, uniques = pd.factorize(df[cluster])
        groups = len(uniques)
        scores = np.zeros((groups, k))
        np.add.at(scores, codes, xv * resid[:, None])
        meat = scores.T @ scores
        # fixed effects nested in the cluster are not counted in K (pyfixest "nested")
        nested = sum(
            levels[fe] - 1
            for fe in fixed_effects
            if df.groupby(fe)[cluster].nunique().max() == 1 and fe in levels
        )
        k_eff = k - nested
        factor = groups / (groups - 1) * (n - 1) / (n - k_eff)
        vcov = factor * bread @ meat @ bread
    names = list(x.columns)
    return Fit(names, coef, vcov, vcov_iid, n, k, groups, cluster)


def poisson_fe(
    df: pd.DataFrame,
    y: str,
    exposure: str,
    regressors: list[str],
    fixed_effects: list[str],
    cluster: str,
    weights: str | None = None,
) -> Fit:
    """Poisson GLM of counts with log(exposure) offset, fixed effects as dummies, optional
    weights (matching weights), and cluster-robust errors.

    The fit is statsmodels'; the sandwich is computed here from the weighted scores, because
    statsmodels does not fully support cluster covariances with weights. Its small-sample
    factor is statsmodels' (and Stata's) G/(G-1) * (N-1)/(N-K).
    """
    import statsmodels.api as sm

    keep = df[exposure] > 0
    df = df.loc[keep]
    dummies, _ = _dummies(df, fixed_effects)
    x = pd.concat([df[regressors].astype(float), dummies], axis=1)
    x.insert(0, "_intercept", 1.0)
    xv, yv = x.to_numpy(), df[y].to_numpy(float)
    offset = np.log(df[exposure].to_numpy(float))
    w = np.ones(len(df)) if weights is None else df[weights].to_numpy(float)
    model = sm.GLM(yv, xv, family=sm.families.Poisson(), offset=offset, var_weights=w)
    fitted = model.fit(maxiter=200)
    coef = np.asarray(fitted.params)
    mu = np.exp(xv @ coef + offset)
    bread = np.linalg.pinv(xv.T @ (xv * (w * mu)[:, None]))
    codes, uniques = pd.factorize(df[cluster])
    groups = len(uniques)
    scores = np.zeros((groups, xv.shape[1]))
    np.add.at(scores, codes, xv * (w * (yv - mu))[:, None])
    n, k = xv.shape
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    vcov = factor * bread @ (scores.T @ scores) @ bread
    return Fit(list(x.columns), coef, vcov, bread, n, k, groups, cluster)


def poisson_twfe_beta(y: np.ndarray, exposure: np.ndarray, d: np.ndarray) -> float:
    """Point estimate of beta in y_it ~ Poisson(E_it exp(a_i + g_t + beta d_it)), fast.

    The unit and time effects are profiled out by iterative proportional fitting (their
    likelihood equations match row and column totals), and beta maximises the profile
    likelihood. Equal to the GLM with dummies; used for the many refits of placebo inference.
    """
    from scipy import optimize

    y, exposure, d = (np.asarray(v, float) for v in (y, exposure, d))

    def negative_profile(beta: float) -> float:
        base = exposure * np.exp(beta * d)
        a, g = np.ones(y.shape[0]), np.ones(y.shape[1])
        for _ in range(500):
            a_new = y.sum(1) / np.maximum((base * g[None, :]).sum(1), 1e-300)
            g_new = y.sum(0) / np.maximum((base * a_new[:, None]).sum(0), 1e-300)
            done = np.allclose(a_new, a, rtol=1e-10) and np.allclose(g_new, g, rtol=1e-10)
            a, g = a_new, g_new
            if done:
                break
        mu = base * a[:, None] * g[None, :]
        positive = y > 0
        return float(-(y[positive] * np.log(mu[positive])).sum() + mu.sum())

    result = optimize.minimize_scalar(
        negative_profile, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-8}
    )
    return float(result.x)


def e_value(rate_ratio: float) -> float:
    """VanderWeele & Ding (Ann Intern Med 2017;167:268): the minimum strength of association an
    unmeasured confounder would need with both treatment and outcome to explain the ratio away."""
    rr = rate_ratio if rate_ratio >= 1 else 1.0 / rate_ratio
    return float(rr + np.sqrt(rr * (rr - 1.0)))


def e_value_ci(low: float, high: float) -> float:
    """E-value for the confidence limit nearest 1 (1 when the interval includes 1)."""
    if low <= 1.0 <= high:
        return 1.0
    return e_value(high if high < 1.0 else low)
