"""A wav file -> its log-mel frames: the one feature path of prepare, evaluation and predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.data.audio.load import Audio, load_audio
from artimap.data.audio.mel import log_mel


def wav_features(path: str | Path) -> tuple[np.ndarray, Audio]:
    """(log-mel (T, M) float32, the checked audio) of the wav at `path`."""
    audio = load_audio(path)
    return log_mel(audio.samples), audio
