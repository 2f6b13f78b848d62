"""The ridge reference rows of a lip2tongue evaluation (see `baselines` for what each one is).

Training clips are every REF_STRIDE-th clip of the train split (neighbouring clips are nearly
the same frames), validation clips up to REF_MAX_VAL evenly spread over the val split.
"""

from __future__ import annotations

import numpy as np

from artimap.data.lip2tongue.clips import ClipIndex
from artimap.data.lip2tongue.truth import seen_on_camera
from artimap.data.prepared import Prepared
from artimap.models.mlp_select import best_regressor
from artimap.tasks.lip2tongue.baselines import clip_features
from artimap.tasks.lip2tongue.metrics import blur

REF_STRIDE = 2  # every 2nd training clip
REF_MAX_VAL = 600  # validation clips scoring the penalties


def _targets(prepared: Prepared, rows: np.ndarray) -> np.ndarray:
    """Targets of `rows` flattened (n, D) float64, NaN points filled with the column mean."""
    y = np.asarray(prepared.array("targets")[rows], np.float64).reshape(len(rows), -1)
    if np.isnan(y).any():
        y = np.where(np.isnan(y), np.nanmean(y, 0), y)
    return np.nan_to_num(y)


def _smoother(shape: tuple[int, ...]):
    if len(shape) != 2 or shape[-1] == 2:  # points: R^2 on the coordinates themselves
        return lambda v: v
    return lambda v: blur(v.reshape(-1, *shape)).reshape(len(v), -1)


def ridge_references(prepared: Prepared, clips: ClipIndex, rows: np.ndarray,
                     pixels: np.ndarray, truth: dict | None
                     ) -> dict[str, tuple[np.ndarray, str]]:
    """{name: (prediction (F, D) for the clips starting at `rows` (F,), description)};
    `clips` the evaluated split's clips (their length and target position), `pixels` (R, s*s)
    lip thumbnails of every row, `truth` `talker_truth` or None."""
    n, at = clips.clip_len, clips.offset
    train = ClipIndex(prepared, "train", n, clips.position)
    val = ClipIndex(prepared, "val", n, clips.position)
    if len(train) == 0 or len(val) == 0:
        return {}
    tr = train.first_rows(train.every(REF_STRIDE))
    pick = np.linspace(0, len(val) - 1, min(REF_MAX_VAL, len(val))).round().astype(np.int64)
    va = val.first_rows(np.unique(pick))
    shape = tuple(prepared.array("targets").shape[1:])
    y, yv = _targets(prepared, tr + at), _targets(prepared, va + at)
    smooth = _smoother(shape)
    size = int(round(np.sqrt(pixels.shape[1])))
    feats = {"ridge_lip_pixels": (lambda s: clip_features(pixels, s, n),
                                  f"from the clip's {n} lip frames as {size}x{size} thumbnails")}
    if truth is not None:
        seen = seen_on_camera(prepared)
        lips = truth["lip_state"][:, seen]
        what = "jaw and lip parameters" + (" and tongue-tip height (this corpus's lip video "
                                           "shows it)" if len(seen) > 4 else "")
        feats["lip_oracle"] = (lambda s: clip_features(lips, s, n),
                               f"from the TRUE {what} of the clip's {n} frames (talker truth): "
                               "the lip-only ceiling")
        feats["state_oracle"] = (lambda s: truth["target_state"][s + at],
                                 "from the TRUE articulatory state (tongue included) at the "
                                 "target frame (talker truth)")
    out = {}
    for name, (feature, text) in feats.items():
        f = [feature(s).astype(np.float64) for s in (tr, va, rows)]
        pred, how = best_regressor(f, y, yv, smooth, quad=name != "ridge_lip_pixels")
        out[name] = (pred, f"{text}; {how}, {len(tr)} training clips")
    return out
