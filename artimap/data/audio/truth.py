"""What a talker knows about the rows of a prepared audio dataset (audio2tongue, audio2face):
the true articulatory state and the true phones at every target frame's time.

A talker corpus (the built-in virtual talker, or an engine's such as the VocalTractLab talker)
writes beside each `<utt>.wav` its phones (`<utt>.TextGrid`, tier "phones") and its
articulation (`<utt>.artic.npy`, the 8 parameters at 1 kHz; an engine's talker may also write
`<utt>.tract.npy`, its own tract parameters at corpus.json's `vtl.tract_rate`). From them:

    true_state      (F, S) the articulation at each row's time: the 8 parameters, then the
                    tract parameters where the corpus has them (linear interpolation)
    phone_features  (F, (2 J + 1) P + 2) the phones sounding at the row's time and at J
                    offsets either side (one-hot over the training phones, unknown phones
                    as zeros), then the position within the current phone (0..1) and its
                    duration (s): what the phone sequence and its timing alone can tell

Real corpora have neither: `has_truth` says whether every utterance does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.data.prepared import Prepared
from artimap.io.alignment import Alignment
from artimap.io.textgrid import read_textgrid
from artimap.synth.truth import read_corpus_json
from artimap.synth.utterance import state_at

OFFSETS_S = tuple(round(0.05 * k, 2) for k in range(-4, 5))  # phones read at t + offset


def _base(entry) -> Path:
    return Path(entry.raw["files"]["audio"]).with_suffix("")


def has_truth(prepared: Prepared) -> bool:
    """True when every utterance has its talker phones and articulation beside its wav."""
    return bool(prepared.entries) and all(
        "audio" in e.raw.get("files", {}) and _base(e).with_suffix(".artic.npy").is_file()
        and _base(e).with_suffix(".TextGrid").is_file() for e in prepared.entries)


def _tract_rate(prepared: Prepared) -> float | None:
    corpus = Path(prepared.manifest.get("corpus", ""))
    if not (corpus / "corpus.json").is_file():
        return None
    return (read_corpus_json(corpus).get("vtl") or {}).get("tract_rate")


def true_state(prepared: Prepared) -> np.ndarray:
    """(F, S) float32 true articulation at every row's time (module doc)."""
    times = np.asarray(prepared.array("times"), np.float64)  # (F,)
    rate = _tract_rate(prepared)
    parts = []
    for e in prepared.entries:
        t = times[e.rows]
        cols = [state_at(np.load(_base(e).with_suffix(".artic.npy")), t)]  # (F_u, 8)
        tract = _base(e).with_suffix(".tract.npy")
        if rate and tract.is_file():
            x = np.load(tract)  # (T, 19) at `rate`
            at = t * rate
            cols.append(np.stack([np.interp(at, np.arange(len(x)), c) for c in x.T], 1))
        parts.append(np.concatenate(cols, 1))
    return np.concatenate(parts).astype(np.float32)


def _phones(entry) -> Alignment:
    return read_textgrid(_base(entry).with_suffix(".TextGrid"), tier="phones")


def phone_inventory(prepared: Prepared) -> list[str]:
    """The phones of the training utterances, sorted (the one-hot columns)."""
    labels = {lab for e in prepared.entries_in("train") for lab in _phones(e).labels()}
    return sorted(labels)


def _one_utterance(alignment: Alignment, t: np.ndarray, column: dict[str, int]) -> np.ndarray:
    starts, ends = alignment.starts(), alignment.ends()
    ids = np.array([column.get(lab, -1) for lab in alignment.labels()] + [-1])
    P = len(column)
    out = []
    for offset in OFFSETS_S:
        i = np.searchsorted(starts, t + offset, side="right") - 1  # (F_u,) interval index
        inside = (i >= 0) & (t + offset < ends[np.clip(i, 0, None)])
        col = np.where(inside, ids[np.clip(i, 0, None)], -1)
        hot = np.zeros((len(t), P), np.float32)
        hot[np.flatnonzero(col >= 0), col[col >= 0]] = 1.0
        out.append(hot)
    i = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1)
    length = np.maximum(ends[i] - starts[i], 1e-3)
    position = np.clip((t - starts[i]) / length, 0.0, 1.0)
    return np.concatenate([*out, position[:, None], length[:, None]], 1).astype(np.float32)


def phone_features(prepared: Prepared, inventory: list[str]) -> np.ndarray:
    """(F, len(OFFSETS_S) * P + 2) float32 phone features of every row (module doc)."""
    times = np.asarray(prepared.array("times"), np.float64)
    column = {p: k for k, p in enumerate(inventory)}
    return np.concatenate([_one_utterance(_phones(e), times[e.rows], column)
                           for e in prepared.entries])
