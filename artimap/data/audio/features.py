"""A wav file -> its log-mel frames: the one feature path of prepare, evaluation and predict;
and the check that a wav covers the targets read against it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.data.audio.load import Audio, load_audio
from artimap.data.audio.mel import log_mel
from artimap.errors import file_error


def wav_features(path: str | Path) -> tuple[np.ndarray, Audio]:
    """(log-mel (T, M) float32, the checked audio) of the wav at `path`."""
    audio = load_audio(path)
    return log_mel(audio.samples), audio


COVER_TOLERANCE_S = 0.005  # half a mel hop: a last target this close after the audio is kept


def check_covers(wav: Path, duration_s: float, times: np.ndarray, what: str) -> None:
    """The audio (`duration_s` long) must cover the target frame `times` (F,) s of `what` (a
    file name): one line naming both durations if it does not."""
    if len(times) == 0:
        raise file_error(what, "has no frames", "Check the file")
    first, last = float(times[0]), float(times[-1])
    if first < -COVER_TOLERANCE_S or last > duration_s + COVER_TOLERANCE_S:
        raise file_error(wav, f"the audio lasts {duration_s:.3f} s but the targets of {what} "
                         f"run from {first:.3f} s to {last:.3f} s",
                         "Check the files belong to the same recording and its time offset "
                         "(TimeInSecsOfFirstFrame of the parameter file)")
