"""Streaming prediction of an audio run (audio2tongue, audio2face) with a causal model: audio
in chunks of any size, each target-rate output out as soon as the audio it depends on is in.

    16 kHz samples -> MelStream (log-mel frames, the offline numbers)
        -> Normaliser.mel -> InversionStepper (front end's past frames + LSTM state)
        -> target frame k at time start + k / fps, read at mel frame frame_at(time) + lookahead
        -> head -> Normaliser.decode: (*target_shape) in target units

Target frame k is emitted once the features of its read frame exist, i.e. once the audio up to
its time + lookahead (plus half a window) has arrived. `finish` ends the stream: the last mel
frames (the offline end padding) arrive, and the remaining targets up to the end of the audio
are read at the last frame at most, as the offline prediction clamps them
(`artimap.tasks.audio_run.predict_frames` on the whole utterance: the same numbers within
float rounding).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch

from artimap.data.audio.mel import HOP, RATE
from artimap.data.audio.mel_stream import MelStream
from artimap.models.inversion_stream import InversionStepper
from artimap.tasks.audio_run import Normaliser

FRAMES_PER_S = RATE / HOP  # mel frames per second


class Output(NamedTuple):
    """One target-rate output of the stream."""

    frame: int  # target frame number k (0 at `start`)
    time_s: float  # its time, s on the audio clock
    value: np.ndarray  # (*target_shape) float32 in target units


class AudioStreamPredictor:
    """A causal audio run's model fed with audio chunks (module doc)."""

    def __init__(self, model: torch.nn.Module, meta: dict[str, Any], start: float = 0.0,
                 engine: str = "numpy") -> None:
        data = meta["data"]
        self.stepper = InversionStepper(model, engine)  # refuses a bidirectional model first
        self.norm = Normaliser(meta["normalisation"], tuple(data["target_shape"]),
                               bool(meta.get("image", False)))
        self._mel_mean = self.norm.mel_mean.numpy()  # (M,) float32
        self._mel_std = self.norm.mel_std.numpy()  # (M,)
        self.fps, self.start = float(data["target_fps"]), float(start)
        self.mel = MelStream(self.stepper.model.config.n_mels)
        self.reset()

    def reset(self) -> None:
        """Forget the stream (start a new one)."""
        self.mel.reset()
        self.stepper.reset()
        self.n_out = 0  # target frames emitted
        self._h = np.zeros((0, self.stepper.model.config.hidden), np.float32)  # (n, H) kept
        self._h_base = 0  # mel frame of self._h[0]

    def time_of(self, k: int) -> float:
        """Time (s) of target frame k, as `artimap.tasks.audio_run.target_times` places it."""
        return self.start + k / self.fps

    def push(self, samples: np.ndarray) -> list[Output]:
        """New 16 kHz samples (S,) float -> the outputs (maybe none) they complete."""
        self._advance(self.mel.push(samples))
        return self._emit(self._ready_count())

    def finish(self, duration_s: float | None = None) -> list[Output]:
        """The end of the stream: the remaining outputs up to `duration_s` (default: the
        samples pushed, at 16 kHz). The stream is then reset."""
        duration = self.mel.n_samples / RATE if duration_s is None else float(duration_s)
        self._advance(self.mel.finish())
        total = int(math.floor((duration - self.start) * self.fps)) + 1 \
            if 0 <= self.start < duration else 0
        out = self._emit(total, last=self.stepper.n_frames - 1)
        self.reset()
        return out

    def _advance(self, frames: np.ndarray) -> None:
        """New log-mel frames (n, M) -> their features, kept until no output needs them."""
        x = (frames - self._mel_mean) / self._mel_std  # (n, M), as Normaliser.mel
        h = self.stepper.features(x)  # (n, H)
        self._h = np.concatenate([self._h, h]) if len(self._h) else h  # (n_kept, H)

    def _read_frame(self, k: int, last: int | None) -> int:
        """The mel frame target k is read at: its own frame + lookahead, clamped at `last`
        (the stream's last frame, once it is known) as the offline model clamps."""
        index = max(math.floor(self.time_of(k) * FRAMES_PER_S + 0.5), 0)  # mel.frame_at
        if last is None:
            return index + self.stepper.lookahead
        return min(min(index, last) + self.stepper.lookahead, last)

    def _ready_count(self) -> int:
        """How many targets (from 0) can be emitted with the features computed so far."""
        k = self.n_out
        while self._read_frame(k, None) < self.stepper.n_frames:
            k += 1
        return k

    def _emit(self, upto: int, last: int | None = None) -> list[Output]:
        """Outputs of targets n_out..upto-1; drops the features no later target reads."""
        ks = list(range(self.n_out, upto))
        out: list[Output] = []
        if ks:
            rows = [self._read_frame(k, last) - self._h_base for k in ks]
            z = self.stepper.head(self._h[rows])  # (N, D)
            values = self.norm.decode(z)  # (N, *shape)
            out = [Output(k, self.time_of(k), v) for k, v in zip(ks, values)]
            self.n_out = upto
        keep = min(self._read_frame(self.n_out, None), self.stepper.n_frames)
        self._h = self._h[keep - self._h_base:]
        self._h_base = keep
        return out
