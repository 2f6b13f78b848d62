"""`artimap predict RUN_DIR --alignment FILE --out DIR [--audio WAV] [--tier NAME]`.

Phone alignment (TextGrid, HTK/HTS .lab, MOCHA .lab, Kaldi .ctm) -> frame-wise phone ids at
the model's rate -> markers (T, M, 3) mm, written as
    OUT/<name>.c3d   POINT:LABELS = the model's markers, POINT:RATE, POINT:UNITS mm
    OUT/<name>.csv   OptiTrack Motive layout
    OUT/<name>.mp4   front and side views with the current phone (--no-video skips it),
                     with the --audio track when an ffmpeg is at hand, else OUT/<name>.wav
<name> is the alignment's file name without its extension. Phones outside the model's
inventory are an error naming them (unless a fallback phone is declared: then a warning names
them and their count).
--chunk-s S runs a long utterance in overlapping windows of S seconds with --context-s
seconds of context each side, all windows as one batch (`p2f_chunks`): several times faster
on a CPU, not exact (the far context is cut); off by default. The dominance model needs none:
it has no sequential steps and runs an hour of phones in one pass.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from artimap.argtypes import positive_float, positive_int
from artimap.data.phone2face.phones import PhoneSet
from artimap.errors import file_error
from artimap.fsutil import check_prediction_out
from artimap.io.alignment_formats import read_alignment
from artimap.io.c3d import write_c3d
from artimap.io.motion import Motion
from artimap.io.optitrack import write_motive_csv
from artimap.tasks.phone2face.predictor import load_predictor
from artimap.tasks.phone2face.render import find_ffmpeg, mux_audio, write_marker_video

CHUNK_S, CONTEXT_S = 0.0, 2.0  # chunked inference off by default (see p2f_chunks)


def add_predict_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `artimap predict RUN_DIR` for phone2face runs."""

    p.add_argument("--alignment", required=True,
                   help="phone alignment: .TextGrid, .lab (HTK/HTS or MOCHA), .ctm")
    p.add_argument("--tier", default=None, help="TextGrid tier with the phones")
    p.add_argument("--utterance", default=None, help="utterance id in a CTM/MLF file")
    p.add_argument("--phone-fallback", default=None, metavar="PHONE",
                   help="inventory phone used for labels the model does not know (default: "
                        "the prepared dataset's fallback; none: unknown labels are an error)")
    p.add_argument("--audio", default=None, help="speech .wav to put in the video")
    p.add_argument("--fps", type=positive_float, default=60.0, help="video frame rate")
    p.add_argument("--size", type=positive_int, default=360, help="pixels per view (square)")
    p.add_argument("--no-video", action="store_true", help="write only the C3D and CSV")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--backend", default="onnx", choices=("onnx", "torch"),
                   help="onnx (default; CPU): the run's RUN_DIR/model.onnx through onnxruntime, "
                        "exported first when missing or stale (`artimap export`); torch: the "
                        "checkpoint in PyTorch (always on cuda)")
    p.add_argument("--chunk-s", type=float, default=CHUNK_S, metavar="S",
                   help="run utterances longer than S + 2 x --context-s seconds in overlapping "
                        "windows of S seconds as one batch, e.g. 8: ~1.6x faster on one CPU "
                        "thread, within 0.001 mm of exact with 2 s of context on the talker "
                        f"(default {CHUNK_S:g}: the whole utterance at once, exact)")
    p.add_argument("--context-s", type=positive_float, default=CONTEXT_S, metavar="S",
                   help=f"context read on each side of a window, seconds (default {CONTEXT_S:g})")


def phone_frames(meta: dict, alignment_path: Path, tier: str | None,
                 utterance: str | None = None, fallback: str | None = None
                 ) -> tuple[np.ndarray, list[str]]:
    """(phone ids (T,) int64, normalised labels (T,)) at the model's rate; `fallback` (an
    inventory phone) replaces the dataset's fallback for unknown labels."""

    phones = PhoneSet(**meta["phones"])
    if fallback is not None:
        phones.fallback = fallback
    ali = read_alignment(alignment_path, tier, utterance=utterance)
    if not len(ali):
        raise file_error(alignment_path, "has no phone interval", "Pass a phone alignment")
    rate = float(meta["rate"])
    n = max(1, math.ceil(ali.end * rate - 1e-6))
    ids = phones.frame_ids(ali, rate, n).astype(np.int64)  # unknown phones: ArtimapError
    _warn_unknown(phones, ali, alignment_path)
    return ids, [phones.phones[i] for i in ids]


def _warn_unknown(phones, ali, path: Path) -> None:
    """Say which labels outside the inventory were read as the fallback phone, and how often."""
    known = set(phones.phones)
    unknown = Counter(iv.label for iv in phones.normalise(ali) if iv.label not in known)
    if unknown:
        listed = ", ".join(f"{label!r} x{n}" for label, n in sorted(unknown.items()))
        warnings.warn(f"{path}: {sum(unknown.values())} interval(s) of phones not in the model's "
                      f"inventory ({listed}) are predicted as the fallback {phones.fallback!r}; "
                      "train with these phones or map them to known ones for a faithful "
                      "prediction", stacklevel=3)


def predict(run_dir: Path, args: argparse.Namespace) -> Path:
    """Markers from a phone alignment: OUT/<name>.c3d, .csv and .mp4 (see the module doc)."""

    alignment = Path(args.alignment)
    out = Path(args.out)
    check_prediction_out(out, alignment.stem or "prediction", getattr(args, "overwrite", False))
    audio = Path(args.audio) if getattr(args, "audio", None) else None
    if audio is not None and not audio.is_file():
        raise file_error(audio, "audio file not found", "Check the --audio path")
    predictor, meta = load_predictor(Path(run_dir), getattr(args, "device", "cpu"),
                                     getattr(args, "chunk_s", CHUNK_S),
                                     getattr(args, "context_s", CONTEXT_S),
                                     getattr(args, "backend", "onnx"))
    ids, labels = phone_frames(meta, alignment, getattr(args, "tier", None),
                               getattr(args, "utterance", None),
                               getattr(args, "phone_fallback", None))
    points = predictor(ids)  # (T, M, 3) mm
    out.mkdir(parents=True, exist_ok=True)
    stem = alignment.stem or "prediction"
    motion = Motion(points, float(meta["rate"]), list(meta["markers"]), source=str(alignment))
    write_c3d(out / f"{stem}.c3d", motion)
    write_motive_csv(out / f"{stem}.csv", motion)
    if not getattr(args, "no_video", False):
        _video(out / f"{stem}.mp4", points, meta, labels, audio, args)
    return out


def _video(path: Path, points: np.ndarray, meta: dict, labels: list[str], audio: Path | None,
           args: argparse.Namespace) -> None:
    """The marker video, with the audio muxed in or copied beside it."""

    write_marker_video(path, points, float(meta["rate"]), meta["markers"],
                       meta.get("lip_markers") or [], labels, float(getattr(args, "fps", 60.0)),
                       int(getattr(args, "size", 360)))
    if audio is None:
        return
    ffmpeg = find_ffmpeg()
    if ffmpeg is not None:
        mux_audio(path, audio, ffmpeg)
        return
    beside = path.with_suffix(".wav")
    if audio.resolve() != beside.resolve():
        shutil.copyfile(audio, beside)
    print(f"artimap: no ffmpeg found (install one, or `pip install imageio-ffmpeg`): the video "
          f"{path.name} is silent and the audio is beside it as {beside.name}", file=sys.stderr)
