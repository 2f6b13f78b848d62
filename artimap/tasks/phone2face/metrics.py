"""The metrics phone2face reports, declared once: results.csv columns, results rows, the units
and definitions in metrics.json and the summary and demo tables all follow METRICS.

Every function takes f(preds, trues, masks, ctx, pooled) -> float or None: preds, trues
lists of (T, M, 3) marker arrays in mm (one per utterance), masks lists of (T, M) bool (False:
marker missing), ctx a `ScoreContext` (lip marker indices, the phone ids (T,) of each
utterance, the phone classes of the visual-speech metrics). Evaluation
calls it once per utterance (a list of one, pooled False) and once on the whole split (pooled
True: over all frames of all utterances). None means "not defined": a pooled value that has no
meaning, or a metric the data cannot give (then it is left out of metrics.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from artimap.metrics.declare import Metric
from artimap.metrics.markers import (
    lip_vertex_error,
    mean_euclidean_error,
    pearson_per_channel,
    rmse_per_coordinate,
)
from artimap.metrics.visemes import token_errors

CLOSURE_HIT_MM = 1.0  # a bilabial token counts as closed right within this aperture error


@dataclass
class ScoreContext:
    """What the metrics need besides the markers (one entry per utterance where a list)."""

    lip_idx: list[int] = field(default_factory=list)  # lip markers ([]: the data name none)
    phone_ids: list[np.ndarray] = field(default_factory=list)  # (T,) per utterance
    bilabial: list[int] = field(default_factory=list)  # phone ids of /p b m/ (the class)
    rounded: list[int] = field(default_factory=list)  # phone ids of the rounded vowels
    lips: tuple[int, int] | None = None  # (upper, lower) lip-centre marker indices
    # (members, measure, ids of the arrays) -> (arrays, token errors) in a `shared` context
    _token_cache: dict | None = field(default=None, init=False, repr=False, compare=False)

    def select(self, i: int) -> ScoreContext:
        """The context of utterance i alone."""
        return ScoreContext(self.lip_idx, self.phone_ids[i:i + 1], self.bilabial, self.rounded,
                            self.lips)

    def shared(self) -> ScoreContext:
        """A copy for one scoring pass over arrays that do not change: the token errors it
        computes are kept for the metrics that follow (closure_error_mm and closure_hit score
        the same bilabial tokens)."""
        out = ScoreContext(self.lip_idx, self.phone_ids, self.bilabial, self.rounded, self.lips)
        out._token_cache = {}
        return out


def _tokens(preds, trues, masks, ctx: ScoreContext, members, measure: str) -> np.ndarray | None:
    """Token errors (K,) mm over the utterances, or None when not computable."""

    if ctx.lips is None or not members or len(ctx.phone_ids) != len(preds):
        return None
    arrays = (*preds, *trues, *masks)
    key = (tuple(members), measure, tuple(map(id, arrays)))
    cache = ctx._token_cache if ctx._token_cache is not None else {}
    hit = cache.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], arrays)):  # kept: no id reused
        errs = [token_errors(p, t, k, ids, members, *ctx.lips, measure=measure)
                for p, t, k, ids in zip(preds, trues, masks, ctx.phone_ids)]
        hit = cache[key] = (arrays, np.concatenate(errs) if errs else np.zeros(0))
    return hit[1] if len(hit[1]) else None


def _closure_error(preds, trues, masks, ctx, pooled: bool) -> float | None:
    e = _tokens(preds, trues, masks, ctx, ctx.bilabial, "aperture")
    return None if e is None else float(e.mean())


def _closure_hit(preds, trues, masks, ctx, pooled: bool) -> float | None:
    e = _tokens(preds, trues, masks, ctx, ctx.bilabial, "aperture")
    return None if e is None else float((e <= CLOSURE_HIT_MM).mean())


def _protrusion_error(preds, trues, masks, ctx, pooled: bool) -> float | None:
    e = _tokens(preds, trues, masks, ctx, ctx.rounded, "protrusion")
    return None if e is None else float(e.mean())


def _rmse(preds, trues, masks, ctx, pooled: bool) -> float | None:
    return rmse_per_coordinate(preds, trues, masks, pooled=pooled)


def _euclid(preds, trues, masks, ctx, pooled: bool) -> float | None:
    return mean_euclidean_error(preds, trues, masks, pooled=pooled)


def _corr(preds, trues, masks, ctx, pooled: bool) -> float | None:
    # correlation per utterance only: pooling would correlate across utterance means
    return None if pooled else pearson_per_channel(preds, trues, masks)


def _lip_error(preds, trues, masks, ctx, pooled: bool) -> float | None:
    return lip_vertex_error(preds, trues, ctx.lip_idx, masks) if ctx.lip_idx else None


METRICS: tuple[Metric, ...] = (
    Metric("rmse_mm", _rmse, "mm", False,
           "RMSE per coordinate, mm (mean = per utterance then averaged)", "RMSE mm"),
    Metric("euclid_mm", _euclid, "mm", False, "mean per-marker Euclidean error, mm",
           "Euclid mm"),
    Metric("corr", _corr, "1", True, "Pearson r per channel per utterance, averaged", "corr"),
    Metric("lip_error_mm", _lip_error, "mm", False,
           "per frame the max over lip markers of the Euclidean error, averaged, mm",
           "lip error mm"),
    Metric("gap_closed", None, "1", True,
           "share of the mean-face -> oracle RMSE gap closed: (floor - rmse) / (floor - "
           "ceiling), talker corpora (computed from the reference rows)", "gap closed"),
    Metric("closure_error_mm", _closure_error, "mm", False,
           "|inter-lip distance predicted - true| at the centre of every bilabial token, mean",
           "closure err mm"),
    Metric("closure_hit", _closure_hit, "1", True,
           f"share of bilabial tokens whose inter-lip distance is within {CLOSURE_HIT_MM:g} mm",
           "closure hit", f"hit within {CLOSURE_HIT_MM:g} mm"),
    Metric("protrusion_error_mm", _protrusion_error, "mm", False,
           "|lip protrusion (mean z of the lip centres) predicted - true| at the centre of "
           "every rounded-vowel token, mean", "protrusion err mm"),
)
# the headline metric of a table and the reference rows its gap runs between (floor, ceiling)
GAP = ("rmse_mm", "mean_face", "oracle")
