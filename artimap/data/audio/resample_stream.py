"""Resampling of a stream to 16 kHz, chunk by chunk, with the numbers of the offline path
(`artimap.data.audio.load.resample`: `scipy.signal.resample_poly`, its default Kaiser FIR).

resample_poly (up/down reduced by their gcd, filter h of 2 * 10 * max(up, down) + 1 taps,
scaled by up, zero-padded in front by `pre` taps) gives output sample n as

    y[n] = sum_k x[k] h'[(n + R) * down - k * up],   h' = h after `pre` zeros

with R = (half_len + pre) // down, x zero outside the signal, and ceil(S * up / down) outputs
in all. Output n needs the input up to k = floor(((n + R) * down - pre) / up), so it is final
once that sample has arrived; `finish` supplies the zeros after the end. Each output is a dot
product of J = ceil(len(h) / up) taps of one polyphase branch with the J inputs up to k.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import firwin

from artimap.data.audio.mel import RATE


class StreamResampler:
    """Samples at `rate` Hz in chunks -> float32 samples at `to` Hz (module doc)."""

    def __init__(self, rate: int, to: int = RATE) -> None:
        g = gcd(int(rate), int(to))
        self.up, self.down = int(to) // g, int(rate) // g
        self.taps, self.pre, self.remove = 0, 0, 0  # same rate: samples pass through
        if self.up != self.down:
            self._design()
        self.reset()

    def _design(self) -> None:
        """resample_poly's filter, cut into `up` polyphase branches of J taps."""
        half_len = 10 * max(self.up, self.down)
        h = firwin(2 * half_len + 1, 1.0 / max(self.up, self.down), window=("kaiser", 5.0))
        self.pre = self.down - half_len % self.down
        self.remove = (half_len + self.pre) // self.down  # R
        self.taps = -(-len(h) // self.up)  # J
        padded = np.zeros(self.up * (self.taps + 1))
        padded[: len(h)] = h * self.up
        # branch p, tap i: h[p + i * up]; reversed in i, so it meets x[k - J + 1 .. k] in order
        self.table = np.stack([padded[p: p + self.taps * self.up: self.up]
                               for p in range(self.up)])[:, ::-1].copy()  # (up, J)

    def reset(self) -> None:
        """Forget the stream (start a new one)."""
        self.n_in = 0  # input samples pushed
        self.n_out = 0  # output samples returned
        self._buf = np.zeros(self.taps)  # inputs from index _base (zeros before the start)
        self._base = -self.taps

    def push(self, x: np.ndarray) -> np.ndarray:
        """New input samples (S,) float -> the output samples they complete, float32."""
        x = np.asarray(x, np.float64).reshape(-1)
        if self.up == self.down:
            self.n_in += len(x)
            return x.astype(np.float32)
        self._buf = np.concatenate([self._buf, x])
        self.n_in += len(x)
        return self._compute(self._ready())

    def finish(self) -> np.ndarray:
        """The outputs left at the end of the stream (zeros after the last input); reset."""
        total = -(-self.n_in * self.up // self.down)
        rest = np.zeros(0, np.float32)
        if self.up != self.down and total > self.n_out:
            last = self._last_input(total - 1)
            self._buf = np.concatenate([self._buf, np.zeros(max(0, last + 1 - self.n_in))])
            rest = self._compute(total)
        self.reset()
        return rest

    def _last_input(self, n: int | np.ndarray) -> int | np.ndarray:
        """The last input index output n reads."""
        return ((n + self.remove) * self.down - self.pre) // self.up

    def _ready(self) -> int:
        """How many outputs (from 0) the inputs so far complete."""
        # largest n with _last_input(n) <= n_in - 1
        n = ((self.n_in - 1) * self.up + self.up - 1 + self.pre) // self.down - self.remove
        return max(n + 1, self.n_out)

    def _compute(self, upto: int) -> np.ndarray:
        """Outputs n_out..upto-1; drops the inputs no later output reads."""
        n = np.arange(self.n_out, upto)
        m = (n + self.remove) * self.down - self.pre
        k, phase = m // self.up, m % self.up  # (N,) last input and branch of each output
        start = k - self.taps + 1 - self._base  # (N,) buffer index of each window's first input
        windows = self._buf[start[:, None] + np.arange(self.taps)]  # (N, J)
        y = np.einsum("nj,nj->n", windows, self.table[phase])
        self.n_out = upto
        drop = int(self._last_input(upto)) - self.taps + 1 - self._base
        if drop > 0:
            self._buf, self._base = self._buf[drop:], self._base + drop
        return y.astype(np.float32)
