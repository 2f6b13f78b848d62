"""Visual-speech metrics of marker trajectories: lip measures at the centre of phone tokens.

A token is a run of equal frame-wise phone ids; its centre is frame (a + b) // 2 for frames
a..b-1. Measures (mm) of one frame of (M, 3) markers, from the upper and lower lip centres:

    aperture    3-D distance between the two lip centres (inter-lip distance; about 0 when the
                lips close for /p b m/)
    protrusion  mean forward (z) coordinate of the two lip centres (rounded vowels push it out)

`token_errors` returns, per token of the chosen phones, |measure(pred) - measure(true)|;
tokens whose centre frame misses either lip marker are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["token_centres", "aperture", "protrusion", "MEASURES", "token_errors"]


def token_centres(phone_ids: np.ndarray, members: Sequence[int]) -> np.ndarray:
    """Centre frame (K,) of every token (run of equal ids (T,)) whose phone is in `members`."""
    ids = np.asarray(phone_ids)
    if ids.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, len(ids)]
    keep = np.isin(ids[starts], np.asarray(list(members), dtype=ids.dtype))
    return ((starts[keep] + ends[keep]) // 2).astype(np.int64)


def aperture(points: np.ndarray, upper: int, lower: int) -> np.ndarray:
    """Inter-lip distance (...,) mm of markers (..., M, 3)."""
    return np.linalg.norm(points[..., upper, :] - points[..., lower, :], axis=-1)


def protrusion(points: np.ndarray, upper: int, lower: int) -> np.ndarray:
    """Lip protrusion (...,): mean z (forward) of the two lip centres, markers (..., M, 3)."""
    return 0.5 * (points[..., upper, 2] + points[..., lower, 2])


MEASURES: dict[str, Callable[[np.ndarray, int, int], np.ndarray]] = {
    "aperture": aperture, "protrusion": protrusion}


def token_errors(pred: np.ndarray, true: np.ndarray, mask: np.ndarray | None,
                 phone_ids: np.ndarray, members: Sequence[int], upper: int, lower: int,
                 measure: str = "aperture") -> np.ndarray:
    """|measure(pred) - measure(true)| (K,) mm at the centre of each token of `members`.

    pred, true: (T, M, 3) mm; mask: (T, M) bool (False: marker missing) or None; phone_ids
    (T,); upper, lower: marker indices of the lip centres.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r}: choose one of {sorted(MEASURES)}")
    k = token_centres(phone_ids, members)
    k = k[k < min(len(pred), len(true))]
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        k = k[m[k, upper] & m[k, lower]]
    f = MEASURES[measure]
    p, t = np.asarray(pred, np.float64)[k], np.asarray(true, np.float64)[k]  # (K, M, 3)
    return np.abs(f(p, upper, lower) - f(t, upper, lower))
