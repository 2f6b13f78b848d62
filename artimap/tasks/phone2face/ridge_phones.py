"""The simple-baseline reference row of phone2face, `ridge_phones`: closed-form ridge
regression (artimap.models.ridge) from the one-hot phones of a window of frames around each
frame to that frame's marker coordinates (M*3, centred on the training mean).

The window spans +-WINDOW_S seconds: offsets -K..K frames apart by a step of about
OFFSET_STEP_S (1 frame up to 30 fps, so 21 offsets at 30 fps; at 120 fps every 4th frame, so
the feature count stays near 21 P whatever the rate); offsets past the utterance's ends are
all-zero. One-hots are centred, not standardised (a rare phone is penalised like a common one).
The penalty is the one of least validation RMSE. Only frames whose markers are all valid train
and score the penalty (as the bases are fitted); up to MAX_TRAIN / MAX_VAL of them, drawn at
random (seeded). The row predicts every frame; missing markers are left out when scored, as
for every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from artimap.data.phone2face.dataset import open_prepared
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.models.ridge import ridge_select

NAME = "ridge_phones"
WINDOW_S = 0.33  # half-width of the phone window, seconds (a syllable either side)
OFFSET_STEP_S = 1 / 30  # spacing of the window's offsets at high frame rates, seconds
MAX_TRAIN = 20_000  # training frames (memory: MAX_TRAIN x 21 P float64)
MAX_VAL = 5_000  # validation frames scoring the penalties
SEED = 0


def window_offsets(rate: float) -> np.ndarray:
    """Frame offsets (2K+1,) int64 of the phone window at `rate` frames per second."""
    step = max(1, round(rate * OFFSET_STEP_S))
    k = max(1, round(WINDOW_S * rate / step))
    return step * np.arange(-k, k + 1, dtype=np.int64)


def phone_window(ids: np.ndarray, n_phones: int, offsets: np.ndarray) -> np.ndarray:
    """Window features (T, O * P) float32 of phone ids (T,): row t holds, offset after offset
    (O of them, in order), the one-hot (P,) of ids[t + offset], zeros where t + offset falls
    outside 0..T-1."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) and (ids.min() < 0 or ids.max() >= n_phones):
        raise ArtimapError(f"phone ids must lie in 0..{n_phones - 1}, got {ids.min()}.."
                           f"{ids.max()}; prepare the dataset again")
    t = len(ids)
    out = np.zeros((t, len(offsets), n_phones), np.float32)  # (T, O, P)
    for j, o in enumerate(offsets):
        src = np.arange(t) + int(o)  # (T,)
        ok = (src >= 0) & (src < t)
        out[np.flatnonzero(ok), j, ids[src[ok]]] = 1.0
    return out.reshape(t, -1)  # (T, O * P)


@dataclass
class _Data:
    """What the row reads from a prepared dataset."""

    entries: dict  # utterance id -> manifest entry
    splits: dict  # split -> utterance ids
    arrays: dict  # markers (N, M, 3), mask (N, M), phone_ids (N,)
    n_phones: int
    offsets: np.ndarray  # (O,)

    def utterance(self, uid: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(window features (T, O*P), markers (T, M*3) float64, all-valid frames (T,) bool)."""
        e = self.entries[uid]
        sl = _rows(e)
        x = phone_window(np.asarray(self.arrays["phone_ids"][sl]), self.n_phones, self.offsets)
        y = np.asarray(self.arrays["markers"][sl], np.float64).reshape(e["n_frames"], -1)
        ok = np.asarray(self.arrays["mask"][sl]).all(axis=1) & np.isfinite(y).all(axis=1)
        return x, y, ok


def _rows(entry: dict) -> slice:
    """The utterance's rows in the prepared arrays."""
    return slice(entry["offset"], entry["offset"] + entry["n_frames"])


def _frames(data: _Data, split: str, most: int) -> tuple[np.ndarray, np.ndarray]:
    """(features (F, O*P) float64, markers (F, M*3)) of up to `most` all-valid frames of
    `split`, drawn at random (seeded) utterance by utterance so memory stays near `most`."""
    uids = data.splits.get(split, [])
    valid = {u: np.asarray(data.arrays["mask"][_rows(data.entries[u])]).all(axis=1)
             for u in uids}  # (T,) every marker present
    share = min(1.0, 1.1 * most / max(sum(int(v.sum()) for v in valid.values()), 1))
    rng = np.random.default_rng(SEED)
    xs, ys = [], []
    for uid in uids:
        keep = valid[uid] & (rng.random(len(valid[uid])) < share)  # (T,)
        if keep.any():
            x, y, ok = data.utterance(uid)
            keep &= ok  # markers valid by the mask but not finite: left out too
            xs.append(x[keep])
            ys.append(y[keep])
    if not xs:
        return np.zeros((0, 0)), np.zeros((0, 0))
    x, y = np.concatenate(xs).astype(np.float64), np.concatenate(ys)
    if len(x) > most:
        pick = np.sort(rng.choice(len(x), most, replace=False))
        x, y = x[pick], y[pick]
    return x, y


def ridge_phones(prepared: Prepared | str, ids: list[str]) -> tuple[list[np.ndarray], str] | None:
    """(markers (T, M, 3) float64 mm of the utterances `ids`, description), or None when the
    train or val split has no frame with every marker valid."""
    prepared = open_prepared(prepared)
    manifest, splits = prepared.manifest, prepared.splits
    arrays = {k: prepared.array(k) for k in ("markers", "mask", "phone_ids")}
    n_phones = int(manifest.get("n_phones") or int(np.max(arrays["phone_ids"])) + 1)
    rate = float(manifest["rate"])
    data = _Data({e["id"]: e for e in manifest["utterances"]}, splits, arrays, n_phones,
                 window_offsets(rate))
    x, y = _frames(data, "train", MAX_TRAIN)
    xv, yv = _frames(data, "val", MAX_VAL)
    if len(x) == 0 or len(xv) == 0:
        return None
    fit = ridge_select(x, y, xv, yv, standardise=False)
    val_rmse = float(np.sqrt(np.mean((fit.predict(xv) - yv) ** 2)))
    m = arrays["markers"].shape[1]
    preds = [fit.predict(data.utterance(u)[0].astype(np.float64)).reshape(-1, m, 3)
             for u in ids]
    o = data.offsets
    text = (f"ridge from the one-hot phones of the frames at offsets {o[0]}..{o[-1]} "
            f"(step {o[1] - o[0]}; +-{o[-1] / rate:.2f} s at {rate:g} fps, zeros past the "
            f"utterance's ends); alpha {fit.alpha:.3g} (val RMSE {val_rmse:.3f} mm), "
            f"{len(x)} training frames")
    return preds, text
