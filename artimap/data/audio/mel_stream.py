"""Log-mel frames of an audio stream, computed as the samples arrive, with the numbers of the
offline path (`artimap.data.audio.mel.log_mel` on the whole signal).

The offline STFT reflect-pads the signal by N_FFT // 2 samples at both ends and reads frame t
from padded samples [t * HOP, t * HOP + N_FFT); the Hann window (WIN samples, centred in the
N_FFT frame) makes every sample from WIN / 2 after the frame's centre onwards count zero. So

- frame t is final once the samples up to t * HOP + WIN / 2 have arrived (12.5 ms after its
  centre): the rest of its FFT input is multiplied by zero, and is filled with zeros here;
- the start padding needs the first N_FFT // 2 + 1 samples; the stream starts once WIN samples
  have arrived (offline, a signal shorter than WIN is zero-padded to WIN first);
- the frames after the last full one need the end's reflection, so they come from `finish`.

`MelStream` keeps only the padded samples from the next frame's start (the STFT window
buffer) and computes each batch of new frames as `torch.stft` does (window the frames, one
real FFT each; the same numbers, with less per-call work) and with the same filterbank sums.
"""

from __future__ import annotations

import numpy as np
import torch

from artimap.data.audio.mel import HOP, N_FFT, N_MELS, WIN, log_mel, power_to_log_mel

PAD = N_FFT // 2  # reflect padding of the offline STFT (center=True)


class MelStream:
    """Incremental log-mel frames of one 16 kHz stream (module doc)."""

    def __init__(self, n_mels: int = N_MELS) -> None:
        self.n_mels = n_mels
        left = (N_FFT - WIN) // 2  # torch.stft centres the window in the frame
        self.window = torch.nn.functional.pad(torch.hann_window(WIN), (left, N_FFT - WIN - left))
        self.reset()

    def reset(self) -> None:
        """Forget the stream (start a new one)."""
        self.n_samples = 0  # samples pushed so far
        self.n_frames = 0  # frames returned so far
        self._head: list[np.ndarray] = []  # samples before the stream starts (< WIN in all)
        self._buf: np.ndarray | None = None  # padded samples from frame n_frames's start

    def push(self, samples: np.ndarray) -> np.ndarray:
        """New samples (S,) float at 16 kHz -> the frames (n, M) float32 they complete."""
        x = np.asarray(samples, np.float32).reshape(-1)
        self.n_samples += len(x)
        if self._buf is None:
            self._head.append(x)
            if self.n_samples < WIN:
                return np.zeros((0, self.n_mels), np.float32)
            head = np.concatenate(self._head)
            self._head = []
            self._buf = np.concatenate([head[PAD:0:-1], head])  # reflect padding at the start
        else:
            self._buf = np.concatenate([self._buf, x])
        ready = (self.n_samples - WIN // 2) // HOP + 1  # frames whose window has fully arrived
        return self._frames(ready - self.n_frames, self._buf)

    def finish(self) -> np.ndarray:
        """The end of the stream: the remaining frames (n, M), those the end padding reaches
        (the offline path gives S // HOP + 1 frames in all). The stream is then reset."""
        total = self.n_samples // HOP + 1
        if self._buf is None:  # shorter than a window: the offline path on everything
            head = np.concatenate(self._head) if self._head else np.zeros(0, np.float32)
            rest = log_mel(head, self.n_mels)[self.n_frames:]
        else:
            end = self._buf[-2:-PAD - 2:-1]  # reflect padding at the end
            rest = self._frames(total - self.n_frames, np.concatenate([self._buf, end]))
        self.reset()
        return rest

    def _frames(self, n: int, padded: np.ndarray) -> np.ndarray:
        """The next n frames (n, M) from `padded` (padded samples from frame n_frames's start);
        drops the samples no later frame reads."""
        if n <= 0:
            return np.zeros((0, self.n_mels), np.float32)
        need = (n - 1) * HOP + N_FFT
        seg = padded[:need]
        if len(seg) < need:  # not yet arrived: multiplied by the window's zeros
            seg = np.concatenate([seg, np.zeros(need - len(seg), np.float32)])
        frames = torch.from_numpy(seg).unfold(0, N_FFT, HOP)  # (n, n_fft), no copy
        # what torch.stft(center=False) computes: windowed frames -> rfft (the same numbers)
        spec = torch.fft.rfft(frames * self.window, dim=-1).T  # (n_fft/2+1, n)
        out = power_to_log_mel(spec.abs() ** 2, self.n_mels)  # (n, M)
        self.n_frames += n
        self._buf = padded[n * HOP:]
        return out.numpy()
