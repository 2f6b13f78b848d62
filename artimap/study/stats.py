"""Statistics of a rating study that scipy does not provide: Holm's step-down correction and
Kendall's coefficient of concordance W (with the correction for tied ranks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (m,) of raw p-values (m,): sorted ascending, the i-th (0-based)
    is multiplied by m - i, made non-decreasing, capped at 1, returned in the input order."""
    p = np.asarray(pvalues, np.float64)
    m = len(p)
    order = np.argsort(p)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def kendall_w(scores: np.ndarray) -> float:
    """Kendall's W of scores (m raters, n items): 1 = the raters order the items identically,
    0 = no agreement. Each rater's scores are ranked (ties get mean ranks) and
    W = 12 S / (m^2 (n^3 - n) - m sum_j T_j), S the squared deviations of the items' rank sums
    from their mean, T_j = sum over rater j's tie groups of (t^3 - t)."""
    x = np.asarray(scores, np.float64)
    m, n = x.shape
    if m < 2 or n < 2:
        raise ValueError(f"Kendall's W needs 2 raters and 2 items, got {m} x {n}")
    ranks = np.apply_along_axis(rankdata, 1, x)  # (m, n)
    sums = ranks.sum(0)  # (n,)
    s = float(((sums - sums.mean()) ** 2).sum())
    ties = sum(float((c ** 3 - c).sum()) for c in
               (np.unique(row, return_counts=True)[1] for row in x))
    denom = m ** 2 * (n ** 3 - n) - m * ties
    return float("nan") if denom <= 0 else 12.0 * s / denom
