"""Ground truth per prepared row of a virtual-talker lip2tongue dataset.

The talker writes, beside each utterance's lip video, `<utt>.artic.npy` (T, 8) float32: the
articulatory state at 1000 Hz from the audio start, columns `artimap.synth.phones.PARAMS`
(jaw, lip_aperture, lip_protrusion, lip_spreading, tongue_body_height, tongue_body_front,
tongue_tip_height, tongue_root_advance), and `<utt>.contour.csv`, the true tongue contour of
every ultrasound frame. Prepared row k of an utterance is lip frame time `times[k]` and
ultrasound frame `target_index[k]` of the same `synchronise` prepare ran; this module re-runs
it from the manifest's sync summary (the clocks are the files', so the rows line up exactly)
and reads the truth at those times:

    lip_state    (F, 8) float32  state at the row's lip-frame time (what the lips show)
    target_state (F, 8) float32  state at the row's ultrasound-frame time
    contour_raw  (F, K, 2) float32  true contour of the row's ultrasound frame, (scanline,
                                    echo sample) of the .ult frame
    times        (F, 2) float64  lip-frame time, ultrasound-frame time (s, audio clock)

Only talker corpora ("artimap-talker" `corpus.json`, every utterance with `.artic.npy`) have
truth: `has_truth` says whether a prepared dataset does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError

LIP_PARAMS = slice(0, 4)  # jaw and the three lip parameters: what a camera on the lips sees


def _base(entry: dict) -> Path:
    lips = Path(entry["files"]["lips"])
    return lips.with_suffix("")


def has_truth(manifest: dict) -> bool:
    """True when every utterance of the prepared dataset has talker truth files beside it."""
    utts = manifest.get("utterances", [])
    return bool(utts) and all(
        "param" in u["files"] and _base(u).with_suffix(".artic.npy").is_file()
        and _base(u).with_suffix(".contour.csv").is_file() for u in utts)


def _rows(entry: dict, settings: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lip times (F,), ultrasound times (F,), ultrasound frame (F,)) of the entry's rows;
    `settings` the manifest's prepare settings (fps, resample)."""
    from artimap.data.lip2tongue.sync import stream_times, synchronise
    from artimap.io.ult import read_param

    sync = entry["sync"]
    lip_t = stream_times(int(sync["lip_frames"]), float(entry["video_fps"]))
    ult_t = read_param(entry["files"]["param"]).frame_times(int(sync["target_frames"]))
    s = synchronise(lip_t, ult_t, float(settings["fps"]), settings["resample"])
    first, n = int(entry.get("block_start", 0)), int(entry["n_frames"])  # --val-block parts
    if len(s.times) < first + n:
        raise ArtimapError(
            f"utterance {entry['id']}: re-synchronising gives {len(s.times)} rows but the "
            f"manifest needs {first + n}; the corpus files changed after prepare. "
            "Prepare the dataset again")
    rows = slice(first, first + n)
    return s.times[rows], ult_t[s.target_index][rows], s.target_index[rows]


def talker_truth(manifest: dict) -> dict[str, np.ndarray]:
    """The truth arrays of every prepared row (module doc); ArtimapError when there is none."""
    from artimap.synth.truth import read_contour_csv
    from artimap.synth.utterance import state_at

    if not has_truth(manifest):
        raise ArtimapError(f"{manifest.get('corpus', 'dataset')}: not a virtual-talker corpus "
                           "with <utt>.artic.npy and <utt>.contour.csv beside the videos; "
                           "the oracles and true-contour metrics need one")
    n = int(manifest["n_frames"])
    out: dict[str, np.ndarray] = {"lip_state": np.zeros((n, 8), np.float32),
                                  "target_state": np.zeros((n, 8), np.float32),
                                  "times": np.zeros((n, 2), np.float64)}
    for u in manifest["utterances"]:
        o, k = int(u["offset"]), int(u["n_frames"])
        lip_t, ult_t, index = _rows(u, manifest["settings"])
        artic = np.load(_base(u).with_suffix(".artic.npy"))
        out["lip_state"][o:o + k] = state_at(artic, lip_t)
        out["target_state"][o:o + k] = state_at(artic, ult_t)
        out["times"][o:o + k] = np.stack([lip_t, ult_t], 1)
        # raw coordinates, so truth and prediction go to mm through one geometry
        _, raw, _ = read_contour_csv(_base(u).with_suffix(".contour.csv"))
        if "contour_raw" not in out:
            out["contour_raw"] = np.full((n, raw.shape[1], 2), np.nan, np.float32)
        out["contour_raw"][o:o + k] = raw[index]
    return out
