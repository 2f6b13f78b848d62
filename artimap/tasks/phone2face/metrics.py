"""The metrics phone2face reports, declared once: results.csv columns, results rows, the units
and definitions in metrics.json and the summary and demo tables all follow METRICS.

Every function takes f(preds, trues, masks, lip_idx, pooled) -> float or None: preds, trues
lists of (T, M, 3) marker arrays in mm (one per utterance), masks lists of (T, M) bool (False:
marker missing), lip_idx the indices of the lip markers ([] when the data name none). Evaluation
calls it once per utterance (a list of one, pooled False) and once on the whole split (pooled
True: over all frames of all utterances). None means "not defined": a pooled value that has no
meaning, or a metric the data cannot give (then it is left out of metrics.json).
"""

from __future__ import annotations

from artimap.metrics.declare import Metric


def _rmse(preds, trues, masks, lip_idx, pooled: bool) -> float | None:
    from artimap.metrics.markers import rmse_per_coordinate

    return rmse_per_coordinate(preds, trues, masks, pooled=pooled)


def _euclid(preds, trues, masks, lip_idx, pooled: bool) -> float | None:
    from artimap.metrics.markers import mean_euclidean_error

    return mean_euclidean_error(preds, trues, masks, pooled=pooled)


def _corr(preds, trues, masks, lip_idx, pooled: bool) -> float | None:
    from artimap.metrics.markers import pearson_per_channel

    # correlation per utterance only: pooling would correlate across utterance means
    return None if pooled else pearson_per_channel(preds, trues, masks)


def _lip_error(preds, trues, masks, lip_idx, pooled: bool) -> float | None:
    from artimap.metrics.markers import lip_vertex_error

    return lip_vertex_error(preds, trues, lip_idx, masks) if lip_idx else None


METRICS: tuple[Metric, ...] = (
    Metric("rmse_mm", _rmse, "mm", False,
           "RMSE per coordinate, mm (mean = per utterance then averaged)", "RMSE mm"),
    Metric("euclid_mm", _euclid, "mm", False, "mean per-marker Euclidean error, mm",
           "Euclid mm"),
    Metric("corr", _corr, "1", True, "Pearson r per channel per utterance, averaged", "corr"),
    Metric("lip_error_mm", _lip_error, "mm", False,
           "per frame the max over lip markers of the Euclidean error, averaged, mm",
           "lip error mm"),
)
