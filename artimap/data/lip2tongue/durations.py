"""Cross-check of stream durations before an utterance is prepared.

A `.ult` holding a few frames of a long recording (cut copy), or read with a wrong NumVectors
whose frame size still divides the file (garbled frames, too many of them), or a wrong
FramesPerSec, all shape into arrays without complaint; their duration does not match the lip
video or the audio recorded with them. Real recordings differ by fractions of a second (the
ultrasound starts late, stops a little before or after the audio), so only gross mismatches
are refused; moderate ones are warned about, with the numbers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from artimap.errors import ArtimapError, file_error
from artimap.io.ult import UltParams
from artimap.io.wav import wav_length

# ultrasound covering less than this share of the recording after its first frame: refused
MIN_COVER = 0.5
WARN_COVER = 0.8
# ultrasound lasting longer than this factor of the longest other stream (+ slack): refused
MAX_OVER = 1.5
SLACK_S = 0.5


def audio_beside(lips: Path) -> Path | None:
    """The wav recorded with `lips` (same stem, .wav), if there is one."""
    wav = lips.with_suffix(".wav")
    return wav if wav.is_file() else None


def audio_duration(wav: Path) -> float | None:
    """Duration of `wav` in s from its header (None when it cannot be read)."""
    try:
        n, rate = wav_length(wav)
    except ArtimapError:
        return None  # a damaged wav only loses this cross-check; the audio is not prepared
    return n / rate if rate > 0 else None


def check_ult_duration(ult: Path, param: Path | None, params: UltParams, n_frames: int,
                       lips: Path, lip_seconds: float) -> None:
    """Refuse (or warn about) an ultrasound stream whose length does not fit the recording.

    `lip_seconds` is the lip video's duration; the audio beside the video is used when found.
    """
    wav = audio_beside(lips)
    audio_s = audio_duration(wav) if wav is not None else None
    others = [s for s in (lip_seconds, audio_s) if s is not None and s > 0]
    if not others:
        return
    ult_s = n_frames / params.frames_per_sec
    expected = min(others) - max(params.time_first_frame, 0.0)  # span the ultrasound can cover
    numbers = (f"{n_frames} frames at {params.frames_per_sec:g} fps = {ult_s:.3f} s from "
               f"{params.time_first_frame:.3f} s; the lip video {lips.name} lasts "
               f"{lip_seconds:.3f} s" + (f", the audio {wav.name} {audio_s:.3f} s" if audio_s
                                         else ""))
    param_name = param.name if param is not None else "the parameter file"
    if ult_s > MAX_OVER * max(others) + SLACK_S:
        raise file_error(ult, f"ultrasound far longer than the recording ({numbers})",
                         f"Check NumVectors/PixPerVector/FramesPerSec in {param_name} (a wrong "
                         "frame size can still divide the file), or pass --skip-bad")
    if expected <= 0:
        return
    if ult_s < MIN_COVER * expected:
        raise file_error(ult, f"ultrasound far shorter than the recording ({numbers})",
                         f"The .ult looks truncated, or NumVectors x PixPerVector "
                         f"({params.num_vectors} x {params.pix_per_vector}: fewer, larger frames) "
                         f"or FramesPerSec in {param_name} is wrong; check them, re-export it, "
                         "or pass --skip-bad")
    if ult_s < WARN_COVER * expected:
        warnings.warn(f"{ult}: ultrasound covers only {ult_s / expected:.0%} of the recording "
                      f"({numbers})", stacklevel=2)
