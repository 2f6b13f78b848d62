"""Reductions of metric values: per frame -> per utterance, mean and std; per utterance ->
mean, std and the pooled value. Values are rounded to 6 decimals for metrics.json; missing
values (NaN) are counted, never averaged in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["rounded", "reduce_sums", "over_frames", "aggregate", "over_utterances",
           "gap_closed"]


def rounded(x: float) -> float:
    """float(x) rounded to 6 decimals (what metrics.json keeps)."""
    return round(float(x), 6)


def reduce_sums(per_utt: Sequence[tuple[float, int]], pooled: bool, root: bool = False) -> float:
    """(sum, count) per utterance -> pooled mean, or the mean of per-utterance means.

    root=True takes the square root of each mean (RMSE). Utterances with no valid value are
    skipped; NaN if none is left.
    """
    kept = [(s, n) for s, n in per_utt if n]
    if not kept:
        return float("nan")
    f = np.sqrt if root else float
    if pooled:
        return float(f(sum(s for s, _ in kept) / sum(n for _, n in kept)))
    return float(np.mean([f(s / n) for s, n in kept]))


def over_frames(values: np.ndarray, utt_ids: Sequence[str]) -> dict:
    """One metric's values per frame (F,) with each frame's utterance id (F,) ->
    {"mean", "std" (over frames), "n_frames" (finite), "n_missing", "per_utterance": {id: mean}}
    (None where there is no finite value)."""
    v = np.asarray(values, np.float64)
    ids = np.asarray(utt_ids)
    ok = np.isfinite(v)
    per_utt = {u: rounded(np.nanmean(v[ids == u])) if ok[ids == u].any() else None
               for u in dict.fromkeys(utt_ids)}
    return {"mean": rounded(np.nanmean(v)) if ok.any() else None,
            "std": rounded(np.nanstd(v)) if ok.any() else None,
            "n_frames": int(ok.sum()), "n_missing": int((~ok).sum()),
            "per_utterance": per_utt}


def aggregate(per_frame: dict[str, np.ndarray], utt_ids: Sequence[str]) -> dict[str, dict]:
    """`over_frames` of every metric: {name: (F,)} -> {name: {"mean", "std", ...}}."""
    return {name: over_frames(v, utt_ids) for name, v in per_frame.items()}


def over_utterances(values: Sequence[float | None], ids: Sequence[str],
                    pooled: float | None = None) -> dict:
    """One metric's value per utterance (U,) -> {"mean", "std" (over utterances), "pooled"
    (given, e.g. over all frames of all utterances; None when it has no meaning),
    "per_utterance": {id: value}} (None for missing values)."""
    v = np.array([np.nan if x is None else x for x in values], np.float64)
    ok = np.isfinite(v)
    return {
        "mean": rounded(v[ok].mean()) if ok.any() else None,
        "std": rounded(v[ok].std()) if ok.any() else None,
        "pooled": None if pooled is None or not np.isfinite(pooled) else rounded(pooled),
        "per_utterance": {u: rounded(x) if np.isfinite(x) else None for u, x in zip(ids, v)},
    }


def _share(value: float | None, floor: float | None, ceiling: float | None,
           higher_better: bool) -> float | None:
    """The gain of `value` over the floor divided by the ceiling's gain over it, each taken in
    the metric's better direction (0 at the floor, 1 at the ceiling; a model at the floor reads
    0.0, not -0.0), rounded; None when one is missing or floor == ceiling."""
    if value is None or floor is None or ceiling is None or floor == ceiling:
        return None
    if higher_better:
        return rounded((value - floor) / (ceiling - floor))
    return rounded((floor - value) / (floor - ceiling))


def gap_closed(value: dict, floor: dict, ceiling: dict, higher_better: bool,
               mean_only: bool = False) -> dict:
    """How much of the floor -> ceiling gap `value` closes, from three summaries of one metric
    ({"mean", "pooled", "per_utterance": {id: value}}): {"mean", "std": None, "pooled",
    "per_utterance"}, each the share of its own gap (the mean of the means, not a mean of
    ratios). mean_only: "pooled" None and "per_utterance" {} (summaries without them)."""
    def share(v, f, c):
        return _share(v, f, c, higher_better)

    out: dict = {"mean": share(value["mean"], floor["mean"], ceiling["mean"]), "std": None,
                 "pooled": None, "per_utterance": {}}
    if not mean_only:
        lo, hi = floor["per_utterance"], ceiling["per_utterance"]
        out["pooled"] = share(value["pooled"], floor["pooled"], ceiling["pooled"])
        out["per_utterance"] = {u: share(v, lo.get(u), hi.get(u))
                                for u, v in value["per_utterance"].items()}
    return out
