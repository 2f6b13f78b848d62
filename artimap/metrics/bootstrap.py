"""Bootstrap intervals over test utterances, for the tables of a study.

A study's table gives each row's mean +- std over seeds; these intervals add how much the
number depends on which utterances happen to be in the test split: utterances are drawn with
replacement (seeded), each utterance's value being its mean over the row's seeds, and the
2.5th and 97.5th percentiles of the resampled mean are reported. Utterances weigh equally
(the metrics.json means are over frames, so an interval's centre may differ slightly).

For `gap_closed` the same utterances are drawn for the model, the floor and the ceiling, and
the share of the gap is computed per draw from the three resampled means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

N_BOOT = 2000
SEED = 0

PerUtterance = Mapping[str, float | None]  # {utterance id: value} of one run


def _table(runs: Sequence[PerUtterance], ids: list[str]) -> np.ndarray:
    """(U,) mean over runs of each utterance's value (NaN where no run has one)."""
    vals = np.array([[np.nan if r.get(u) is None else float(r[u]) for u in ids] for r in runs])
    with np.errstate(all="ignore"):
        return np.nanmean(vals, 0) if len(vals) else np.full(len(ids), np.nan)


def _draws(n: int) -> np.ndarray:
    """(N_BOOT, n) resampled utterance indices."""
    return np.random.default_rng(SEED).integers(0, n, size=(N_BOOT, n))


def _interval(samples: np.ndarray) -> tuple[float, float] | None:
    ok = samples[np.isfinite(samples)]
    if len(ok) < N_BOOT // 2:
        return None
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return round(float(lo), 6), round(float(hi), 6)


def mean_interval(runs: Sequence[PerUtterance]) -> tuple[float, float] | None:
    """95 % bootstrap interval of the mean over utterances of per-utterance values, averaged
    over `runs` (one {id: value} per seed); None with fewer than two utterances."""
    ids = sorted({u for r in runs for u, v in r.items() if v is not None})
    if len(ids) < 2:
        return None
    values = _table(runs, ids)
    with np.errstate(all="ignore"):
        return _interval(np.nanmean(values[_draws(len(ids))], 1))


def gap_interval(runs: Sequence[PerUtterance], floor: PerUtterance, ceiling: PerUtterance,
                 higher_better: bool) -> tuple[float, float] | None:
    """95 % bootstrap interval of the share of the floor -> ceiling gap the runs close, the
    same utterances drawn for all three; None with fewer than two shared utterances."""
    ids = sorted(u for u in {u for r in runs for u in r}
                 if floor.get(u) is not None and ceiling.get(u) is not None)
    if len(ids) < 2:
        return None
    model, lo, hi = _table(runs, ids), _table([floor], ids), _table([ceiling], ids)
    draws = _draws(len(ids))
    with np.errstate(all="ignore"):
        m, f, c = (np.nanmean(v[draws], 1) for v in (model, lo, hi))
        share = (m - f) / (c - f) if higher_better else (f - m) / (f - c)
    return _interval(np.where(np.abs(c - f) > 1e-12, share, np.nan))
