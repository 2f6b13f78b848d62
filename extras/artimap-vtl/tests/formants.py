"""Formant estimates by linear prediction (autocorrelation method), for the acoustics tests."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.signal import resample_poly

RATE = 10000  # formants below 5 kHz: analyse at 10 kHz with order 12
ORDER = 12


def formants(samples: np.ndarray, rate: int, centre: float, window: float = 0.03) -> np.ndarray:
    """Formant frequencies (Hz, ascending) of the `window` s of int16 samples (S,) at `rate` Hz
    around `centre` s: LPC poles with a bandwidth under 400 Hz, above 90 Hz."""
    x = samples.astype(np.float64)
    x = resample_poly(x, RATE, rate)
    c, half = int(round(centre * RATE)), int(round(window * RATE / 2))
    seg = x[max(c - half, 0) : c + half]
    seg = np.append(seg[0], seg[1:] - 0.97 * seg[:-1]) * np.hamming(len(seg))  # pre-emphasis
    r = np.correlate(seg, seg, "full")[len(seg) - 1 : len(seg) + ORDER]
    a = solve_toeplitz(r[:ORDER], r[1 : ORDER + 1])
    roots = np.roots(np.concatenate([[1.0], -a]))
    roots = roots[np.imag(roots) > 0]
    freq = np.angle(roots) * RATE / (2 * np.pi)
    bandwidth = -np.log(np.abs(roots)) * RATE / np.pi
    return np.sort(freq[(freq > 90) & (bandwidth < 400)])
