"""Reference rows of a phone2face evaluation: the floor and the ceiling every model sits between,
and the simple baseline it should beat.

    mean_face          the training split's mean face in every frame (the floor: no phone used)
    ridge_phones       ridge regression from the one-hot phones of a +-0.33 s window of frames
                       (the simple baseline, `ridge_phones.py`)
    oracle             talker corpora: markers regenerated from the phones and their timing with
                       per-token variability and drift off (the ceiling, `oracle.py`)
    oracle_same_noise  talker corpora: the same, sharing the truth's marker noise (see there)

The evaluation reports how much of the FLOOR -> CEILING RMSE gap a model closes (0: the mean
face, 1: the oracle) as a metric of every row ("gap_closed", artimap.metrics.aggregate).
"""

from __future__ import annotations

import numpy as np

from artimap.data.phone2face.dataset import open_prepared
from artimap.data.prepared import Prepared
from artimap.tasks.phone2face.bases import target_stats
from artimap.tasks.phone2face.metrics import ScoreContext
from artimap.tasks.phone2face.oracle import VARIANTS, oracle_markers
from artimap.tasks.phone2face.ridge_phones import NAME as BASELINE
from artimap.tasks.phone2face.ridge_phones import ridge_phones

FLOOR, CEILING = "mean_face", "oracle"
ABOUT = {FLOOR: "the training split's mean face in every frame (the floor)",
         "oracle": "markers regenerated from the phones and their timing, token variability "
                   "and drift off (the ceiling; talker corpora)",
         "oracle_same_noise": "the oracle sharing the truth's marker noise (talker corpora)"}


def context(data: Prepared | str, markers: list[str], lip_markers: list[str],
            phone_ids: list[np.ndarray], inventory: list[str]) -> ScoreContext:
    """The ScoreContext of a prepared dataset's utterances (phone ids (T,) each)."""
    manifest = open_prepared(data).manifest
    classes = manifest.get("phone_classes") or {}
    index = {p: i for i, p in enumerate(inventory)}
    upper, lower = manifest.get("upper_lip_centre"), manifest.get("lower_lip_centre")
    lips = (markers.index(upper), markers.index(lower)) \
        if upper in markers and lower in markers else None
    return ScoreContext(
        lip_idx=[markers.index(m) for m in lip_markers if m in markers],
        phone_ids=[np.asarray(p) for p in phone_ids],
        bilabial=[index[p] for p in classes.get("bilabial", []) if p in index],
        rounded=[index[p] for p in classes.get("rounded_vowel", []) if p in index],
        lips=lips)


def predictions(data: Prepared | str, ids: list[str], lengths: list[int]
                ) -> dict[str, tuple[list[np.ndarray], str]]:
    """{reference: (markers (T, M, 3) per utterance, description)} of the dataset's
    utterances `ids`: floor, simple baseline, ceilings, in that order."""
    data = open_prepared(data)
    manifest = data.manifest
    mean, _ = target_stats(data, "centre")
    face = mean.reshape(-1, 3).astype(np.float64)  # (M, 3)
    out = {FLOOR: ([np.broadcast_to(face, (n, *face.shape)) for n in lengths], ABOUT[FLOOR])}
    ridge = ridge_phones(data, ids)
    if ridge is not None:
        out[BASELINE] = ridge
    for variant in VARIANTS:
        got = oracle_markers(manifest, ids, lengths, variant)
        if got is not None:
            out[variant] = (got, ABOUT[variant])
    return out
