"""Write one utterance in the real corpus formats, and describe a corpus in `corpus.json`.

Per utterance, in the speaker's folder: `<utt>.TextGrid` (phones and words tiers), `<utt>.mp4`
(lip video), `<utt>.ult` + `<utt>.param` (AAA raw ultrasound), `<utt>.txt` (prompt and date,
like TaL), `<utt>.wav`, `<utt>.c3d` and `<utt>.csv` (face markers, C3D and Motive CSV), and the
truth: `<utt>.contour.csv` (tongue contour per ultrasound frame) and `<utt>.artic.npy`
((T, N) float32 articulatory state at ARTIC_FPS).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from artimap import __version__
from artimap.fsutil import atomic_path, atomic_write_text
from artimap.io.c3d import write_c3d
from artimap.io.optitrack import write_motive_csv
from artimap.io.textgrid import write_textgrid
from artimap.io.ult import write_param, write_ult
from artimap.io.video import write_video
from artimap.io.wav import write_wav
from artimap.synth.coartic import COARTICULATION_FIELD
from artimap.synth.face import FACE_MARKERS, HEAD_MARKERS, LIP_MARKERS, MARKERS, UPPER_LIP_CENTRE
from artimap.synth.lips import roi_box
from artimap.synth.phones import PARAMS, phone_classes
from artimap.synth.presets import ARTIC_FPS, AUDIO_RATE, MARKERS_FPS, VIDEO_FPS, VIDEO_SIZE, Preset
from artimap.synth.speaker import make_speaker, speaker_summary
from artimap.synth.truth import CORPUS_FORMAT, write_contour_csv
from artimap.synth.ultrasound import ult_params
from artimap.synth.utterance import Utterance

CORPUS_VERSION = 1
# file kind -> suffix, in the order they are written
SUFFIXES: dict[str, str] = {
    "textgrid": ".TextGrid", "video": ".mp4", "ultrasound": ".ult", "param": ".param",
    "prompt": ".txt", "audio": ".wav", "c3d": ".c3d", "motive": ".csv",
    "contour": ".contour.csv", "artic": ".artic.npy",
}  # fmt: skip


def utterance_files(utt_id: str, speaker: str) -> dict[str, str]:
    """kind -> path relative to the corpus root, e.g. 'video' -> 's01/s01_0001.mp4'."""
    return {kind: f"{speaker}/{utt_id}{suffix}" for kind, suffix in SUFFIXES.items()}


def _writers(utt: Utterance) -> dict:
    """kind -> function writing that file of `utt` to a given path."""

    def artic(path: Path) -> None:
        with atomic_path(path) as tmp:
            np.save(tmp, utt.artic)

    return {
        "textgrid": lambda p: write_textgrid(p, {"words": utt.words, "phones": utt.phones},
                                             utt.duration),
        "video": lambda p: write_video(p, utt.video, VIDEO_FPS),
        "ultrasound": lambda p: write_ult(p, utt.ult),
        "param": lambda p: write_param(p, utt.ult_params),
        "prompt": lambda p: atomic_write_text(p, f"{utt.prompt}\n{utt.date}\n"),
        "audio": lambda p: write_wav(p, utt.audio, AUDIO_RATE),
        "c3d": lambda p: write_c3d(p, utt.markers),
        "motive": lambda p: write_motive_csv(p, utt.markers),
        "contour": lambda p: write_contour_csv(p, utt.ult_times, utt.contour_raw, utt.contour_mm),
        "artic": artic,
    }  # fmt: skip


def write_utterance(utt: Utterance, root: Path, timings: dict | None = None) -> dict:
    """Write every file of `utt` under `root`/<speaker>/; return its corpus.json entry.

    `timings`, if given, accumulates seconds spent per file kind.
    """
    files = utterance_files(utt.id, utt.speaker.id)
    (root / utt.speaker.id).mkdir(parents=True, exist_ok=True)
    for kind, write in _writers(utt).items():
        start = time.perf_counter()
        write(root / files[kind])
        if timings is not None:
            timings[kind] = timings.get(kind, 0.0) + time.perf_counter() - start
    return {
        "id": utt.id,
        "speaker": utt.speaker.id,
        "duration": round(utt.duration, 6),
        "prompt": utt.prompt,
        "frames": {"video": len(utt.video), "ultrasound": len(utt.ult),
                   "markers": utt.markers.n_frames, "artic": len(utt.artic)},
        "files": files,
    }  # fmt: skip


def _speaker_entry(index: int, seed: int, preset: Preset) -> dict:
    sp = make_speaker(index, seed)
    return {**speaker_summary(sp), "lip_roi": roi_box(sp),
            "ultrasound": dataclasses.asdict(ult_params(preset, sp))}


def _union_box(boxes: list[list[int]]) -> list[int]:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return [x0, y0, x1 - x0, y1 - y0]


def corpus_meta(preset: Preset, seed: int, entries: list[dict],
                coarticulation: str = "dominance") -> dict:
    """The corpus.json content for `entries` (utterance entries sorted by id); the talker's
    coarticulation rule goes under COARTICULATION_FIELD."""
    speakers = [_speaker_entry(i, seed, preset) for i in range(1, preset.speakers + 1)]
    return {
        "format": CORPUS_FORMAT,
        "version": CORPUS_VERSION,
        "generator": f"artimap {__version__}",
        "preset": preset.name,
        "seed": seed,
        COARTICULATION_FIELD: coarticulation,
        "lip_tongue_cue": False,  # lip video carries no tongue cue (synth/lips.py)
        "rates": {"video_fps": VIDEO_FPS, "ultrasound_fps": 81.5, "markers_fps": MARKERS_FPS,
                  "artic_fps": ARTIC_FPS, "audio_rate": AUDIO_RATE},
        "rates_note": "ultrasound_fps is nominal; each speaker's exact FramesPerSec and "
                      "TimeInSecsOfFirstFrame are in speakers[].ultrasound and the .param files",
        "sizes": {"video": list(VIDEO_SIZE), "ultrasound": [preset.ult_vectors, preset.ult_samples],
                  "contour_points": preset.contour_points},
        "ultrasound": speakers[0]["ultrasound"],
        "lip_roi": _union_box([s["lip_roi"] for s in speakers]),
        "markers": {"face": FACE_MARKERS, "head": HEAD_MARKERS, "all": MARKERS,
                    "lips": LIP_MARKERS, "upper_lip_centre": UPPER_LIP_CENTRE, "units": "mm",
                    "axes": "x speaker's left, y up, z forward"},
        "phones": phone_classes(),
        "silences": ["sil", "sp"],
        "artic_params": list(PARAMS),
        "speakers": speakers,
        "utterances": entries,
    }  # fmt: skip
