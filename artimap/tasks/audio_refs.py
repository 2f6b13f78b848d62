"""The reference rows of every audio task's table, computed on the prepared data alone:

    train_mean   the training mean target in every frame (the floor)
    ridge_mel    ridge regression from the standardised log-mel frames in a window of +-N mel
                 frames (10 ms each) around each target's mel frame; N from WINDOWS and the
                 penalty picked on the validation split (the simple baseline; with no
                 validation split, on the training split, said so in its description)

and on talker corpora (`artimap.data.audio.truth`: phones and articulation beside each wav)

    state_oracle the best on validation of a quadratic ridge and a small MLP from the TRUE
                 articulatory state at each target frame's time (the 8 talker parameters, plus
                 an engine's tract parameters where written): the ceiling of the table's gap
    phone_oracle the best on validation of a ridge and a small MLP from the TRUE phones at the
                 frame's time and +-0.2 s around it, with the position in and duration of the
                 current phone: what the phone sequence and its timing alone can tell; a model
                 above it reads more from the audio than the phones

Missing target values (NaN points) are set to the training mean for the fit only. The rows are
computed once per prepared dataset and split in a process (an experiment's runs share them).
"""

from __future__ import annotations

import numpy as np

from artimap.data.audio.stream import MEL
from artimap.data.audio.truth import has_truth, phone_features, phone_inventory, true_state
from artimap.data.prepared import Prepared
from artimap.metrics.aggregate import gap_closed
from artimap.models.mlp_select import best_regressor
from artimap.models.ridge import ridge_select

WINDOWS = (0, 2, 5, 10)  # +-N mel frames tried by the ridge reference
FLOOR, RIDGE = "train_mean", "ridge_mel"
CEILING, PHONES = "state_oracle", "phone_oracle"
_CACHE: dict[tuple[str, str], dict[str, tuple[np.ndarray, str]]] = {}


def window_features(prepared: Prepared, split: str, n: int, mean: np.ndarray,
                    std: np.ndarray) -> np.ndarray:
    """Standardised log-mel frames t-n..t+n of every target row of `split`:
    (F, (2n+1) * M) float32 (frames past an utterance's ends repeat its edge frame)."""
    mel = prepared.array(MEL)
    parts = []
    for e in prepared.entries_in(split):
        base, count = (int(v) for v in e.raw["streams"][MEL])
        frames = np.asarray(prepared.array("mel_frame")[e.rows], np.int64)  # (F_u,)
        at = np.clip(frames[:, None] + np.arange(-n, n + 1)[None], 0, count - 1) + base
        x = (np.asarray(mel[at.reshape(-1)], np.float32) - mean) / std  # (F_u * W, M)
        parts.append(x.reshape(len(frames), -1))
    width = (2 * n + 1) * mel.shape[1]
    return np.concatenate(parts) if parts else np.zeros((0, width), np.float32)


def _targets(prepared: Prepared, split: str, fill: np.ndarray | None = None) -> np.ndarray:
    y = np.asarray(prepared.array("targets")[prepared.rows(split)], np.float64)
    y = y.reshape(len(y), -1)  # (F, D)
    return y if fill is None else np.where(np.isfinite(y), y, fill)


def ridge_mel(prepared: Prepared, split: str) -> tuple[np.ndarray, str]:
    """Ridge predictions (F, *shape) of `split`'s target rows and a one-line description."""
    stats = prepared.stats["mel"]
    mean, std = (np.asarray(stats[k], np.float32) for k in ("mean", "std"))
    y_train = _targets(prepared, "train")
    fill = np.nan_to_num(np.nanmean(y_train, 0))
    y_train = np.where(np.isfinite(y_train), y_train, fill)
    pick = "val" if prepared.rows("val").size else "train"
    best = None
    for n in WINDOWS:
        x = window_features(prepared, "train", n, mean, std)
        xv = window_features(prepared, pick, n, mean, std)
        fit = ridge_select(x, y_train, xv, _targets(prepared, pick, fill))
        if best is None or fit.val_r2 > best[1].val_r2:
            best = (n, fit)
    n, fit = best
    pred = fit.predict(window_features(prepared, split, n, mean, std))
    shape = prepared.array("targets").shape[1:]
    if prepared.array("targets").dtype == np.uint8:
        pred = np.clip(pred, 0, 255)
    text = (f"ridge from standardised log-mel frames t-{n}..t+{n} (10 ms each), penalty "
            f"{fit.alpha:g}, window and penalty picked on the {pick} split")
    return pred.reshape(len(pred), *shape).astype(np.float32), text


def train_mean(prepared: Prepared, split: str) -> tuple[np.ndarray, str]:
    """The training mean target in every row of `split`: (F, *shape)."""
    y = np.asarray(prepared.array("targets")[prepared.rows("train")], np.float64)
    mean = np.nan_to_num(np.nanmean(y, 0)).astype(np.float32)
    n = len(prepared.rows(split))
    return np.broadcast_to(mean, (n, *mean.shape)).copy(), "the training mean target"


def _from_truth(prepared: Prepared, split: str, features: np.ndarray, quad: bool,
                what: str) -> tuple[np.ndarray, str]:
    """The best of ridge and MLP from per-row `features` (F, d): predictions (F_split, *shape)
    of `split`'s rows, fitted on the training rows, chosen on the validation rows."""
    y_train = _targets(prepared, "train")
    fill = np.nan_to_num(np.nanmean(y_train, 0))
    pick = "val" if prepared.rows("val").size else "train"
    f = [features[prepared.rows(s)].astype(np.float64) for s in ("train", pick, split)]
    y = np.where(np.isfinite(y_train), y_train, fill)
    pred, how = best_regressor(f, y, _targets(prepared, pick, fill), lambda v: v, quad)
    shape = prepared.array("targets").shape[1:]
    if prepared.array("targets").dtype == np.uint8:
        pred = np.clip(pred, 0, 255)
    return pred.reshape(len(pred), *shape).astype(np.float32), f"{what}; {how}"


def talker_references(prepared: Prepared, split: str) -> dict[str, tuple[np.ndarray, str]]:
    """The state ceiling and the phone oracle of a talker corpus (module doc); {} elsewhere."""
    if not has_truth(prepared):
        return {}
    state = true_state(prepared)
    inventory = phone_inventory(prepared)
    return {
        CEILING: _from_truth(prepared, split, state, True,
                             f"from the true articulatory state ({state.shape[1]} values) at "
                             "the frame's time"),
        PHONES: _from_truth(prepared, split, phone_features(prepared, inventory), False,
                            f"from the true phones ({len(inventory)} in training) at the "
                            "frame's time and +-0.2 s around it, with their timing"),
    }


def references(prepared: Prepared, split: str) -> dict[str, tuple[np.ndarray, str]]:
    """{row name: (predictions (F, *shape) of `split`'s rows, description)}."""
    key = (prepared.fingerprint, split)
    if key not in _CACHE:
        _CACHE[key] = {FLOOR: train_mean(prepared, split), RIDGE: ridge_mel(prepared, split),
                       **talker_references(prepared, split)}
    return _CACHE[key]


def _mean(section: dict, name: str) -> float:
    value = (section.get(name) or {}).get("mean")
    return float("nan") if value is None else float(value)


def add_gap_closed(metrics: dict, refs: dict, gap: tuple[str, str, str],
                   mean_only: bool = False) -> None:
    """Add `gap_closed` to the model's and every reference's section (in place): the share of
    the floor -> ceiling gap in the headline metric (lower is better), where the ceiling
    (talker corpora) beats the floor; elsewhere a gap has no meaning and none is added."""
    name, floor, top = gap
    if not (floor in refs and top in refs and _mean(refs[top], name) < _mean(refs[floor], name)):
        return
    for section in (metrics, *refs.values()):
        if name in section:
            section["gap_closed"] = gap_closed(section[name], refs[floor][name], refs[top][name],
                                               higher_better=False, mean_only=mean_only)
