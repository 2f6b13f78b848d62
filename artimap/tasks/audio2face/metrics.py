"""The metrics audio2face reports, declared once, with phone2face's definitions (the same
marker functions of `artimap.metrics.markers`): f(preds, trues, masks, pooled) -> float or None,
preds and trues lists of (T, M, 3) mm (one per utterance), masks lists of (T, M) bool.

gap_closed: on talker corpora, the share of the mean face -> state_oracle RMSE gap a row
closes (the ceiling: the best regressor from the true articulation); real corpora have no
ceiling, so no gap.
"""

from __future__ import annotations

from artimap.metrics.declare import Metric
from artimap.metrics.markers import (
    mean_euclidean_error,
    pearson_per_channel,
    rmse_per_coordinate,
)


def _rmse(preds, trues, masks, pooled: bool) -> float | None:
    return rmse_per_coordinate(preds, trues, masks, pooled=pooled)


def _euclid(preds, trues, masks, pooled: bool) -> float | None:
    return mean_euclidean_error(preds, trues, masks, pooled=pooled)


def _corr(preds, trues, masks, pooled: bool) -> float | None:
    # per utterance only: pooling would correlate across utterance means
    return None if pooled else pearson_per_channel(preds, trues, masks)


METRICS: tuple[Metric, ...] = (
    Metric("rmse_mm", _rmse, "mm", False,
           "RMSE per coordinate, mm (mean = per utterance then averaged)", "RMSE mm"),
    Metric("euclid_mm", _euclid, "mm", False, "mean per-marker Euclidean error, mm",
           "Euclid mm"),
    Metric("corr", _corr, "1", True, "Pearson r per channel per utterance, averaged", "corr"),
    Metric("gap_closed", None, "1 = state oracle, 0 = mean face", True,
           "share of the training mean -> state_oracle RMSE gap closed (talker corpora "
           "only)", "gap closed"),
)
GAP = ("rmse_mm", "train_mean", "state_oracle")
