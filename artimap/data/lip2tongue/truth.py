"""Ground truth per prepared row of a virtual-talker lip2tongue dataset.

The talker writes, beside each utterance's lip video, `<utt>.artic.npy` (T, 8) float32: the
articulatory state at 1000 Hz from the audio start, columns `artimap.synth.phones.PARAMS`
(jaw, lip_aperture, lip_protrusion, lip_spreading, tongue_body_height, tongue_body_front,
tongue_tip_height, tongue_root_advance), and `<utt>.contour.csv`, the true tongue contour of
every ultrasound frame. Prepare records where each row comes from (`source.npy`: lip-frame
time, ultrasound-frame time and index, see `utterance.source_rows`); this module reads the
truth at those times:

    lip_state    (F, 8) float32  state at the row's lip-frame time (what the lips show)
    target_state (F, 8) float32  state at the row's ultrasound-frame time
    contour_raw  (F, K, 2) float32  true contour of the row's ultrasound frame, (scanline,
                                    echo sample) of the .ult frame
    times        (F, 2) float64  lip-frame time, ultrasound-frame time (s, audio clock)

Only talker corpora ("artimap-talker" `corpus.json`, every utterance with `.artic.npy`) have
truth: `has_truth` says whether a prepared dataset does.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.synth.phones import PARAMS
from artimap.synth.truth import read_contour_csv, read_corpus_json
from artimap.synth.utterance import state_at

LIP_PARAMS = slice(0, 4)  # jaw and the three lip parameters: what a camera on the lips sees
TIP = PARAMS.index("tongue_tip_height")


def seen_on_camera(prepared: Prepared) -> list[int]:
    """The state columns a camera on the lips sees: jaw and lips, plus the tongue-tip height
    for talker corpora rendered with the old lip renderer's mouth-cavity tongue cue (corpus.json
    without `lip_tongue_cue: false`), so that the lip oracle sees what the video shows."""
    meta = read_corpus_json(Path(prepared.manifest.get("corpus", "")))
    cue = bool(meta.get("lip_tongue_cue", True))
    return [*range(LIP_PARAMS.start, LIP_PARAMS.stop), *([TIP] if cue else [])]


def _base(entry) -> Path:
    return Path(entry.raw["files"]["lips"]).with_suffix("")


def has_truth(prepared: Prepared) -> bool:
    """True when every utterance of the prepared dataset has talker truth files beside it.
    A talker corpus whose files are not where the manifest says (moved, or prepared with a
    relative path by an older artimap) is warned about: its oracle rows would go missing."""
    found = bool(prepared.entries) and all(
        "param" in e.raw["files"] and _base(e).with_suffix(".artic.npy").is_file()
        and _base(e).with_suffix(".contour.csv").is_file() for e in prepared.entries)
    # a talker's files that are gone (point targets keep theirs but have no oracles: no warning)
    missing = None if found or prepared.manifest.get("format") != "talker" else next(
        (p for e in prepared.entries for p in
         (_base(e).with_suffix(".artic.npy"), _base(e).with_suffix(".contour.csv"))
         if not p.is_file()), None)
    if missing is not None:
        warnings.warn(f"{prepared.folder}: talker corpus truth not found ({missing}); the "
                      "oracle rows and true-contour metrics are left out; move the corpus "
                      "back or prepare it again from where it is", stacklevel=2)
    return found


def talker_truth(prepared: Prepared) -> dict[str, np.ndarray]:
    """The truth arrays of every prepared row (module doc); ArtimapError when there is none."""
    if not has_truth(prepared):
        raise ArtimapError(f"{prepared.manifest.get('corpus', prepared.folder)}: not a "
                           "virtual-talker corpus with <utt>.artic.npy and <utt>.contour.csv "
                           "beside the videos; the oracles and true-contour metrics need one")
    if "source" not in prepared.manifest.get("arrays", {}):
        raise ArtimapError(f"{prepared.folder}: prepared by an older artimap without per-row "
                           "sources (source.npy); prepare it again to use the talker's truth")
    source = np.asarray(prepared.array("source"), np.float64)  # (F, 3)
    n = prepared.n_rows
    out: dict[str, np.ndarray] = {"lip_state": np.zeros((n, 8), np.float32),
                                  "target_state": np.zeros((n, 8), np.float32),
                                  "times": source[:, :2].copy()}
    for e in prepared.entries:
        rows = e.rows
        artic = np.load(_base(e).with_suffix(".artic.npy"))
        out["lip_state"][rows] = state_at(artic, source[rows, 0])
        out["target_state"][rows] = state_at(artic, source[rows, 1])
        # raw coordinates, so truth and prediction go to mm through one geometry
        _, raw, _ = read_contour_csv(_base(e).with_suffix(".contour.csv"))
        if "contour_raw" not in out:
            out["contour_raw"] = np.full((n, raw.shape[1], 2), np.nan, np.float32)
        out["contour_raw"][rows] = raw[source[rows, 2].astype(np.int64)]
    return out
