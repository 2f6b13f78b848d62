"""Talker B's streams carry its vocal tract: formants move with the vowels, the ultrasound shows
the tongue outline that the truth contour records."""

from __future__ import annotations

import numpy as np

from artimap.io.textgrid import read_textgrid
from artimap.io.ult import read_param, read_ult
from artimap.io.wav import read_wav
from artimap.synth.truth import read_contour_csv
from artimap.ultrasound.geometry import ProbeGeometry
from conftest import utterance_files
from formants import formants


def _vowel_formants(tiny, vowel: str) -> np.ndarray:
    """(n, 2) F1, F2 in Hz at the centre of every `vowel` token of the tiny corpus."""
    rows = []
    for i in range(len(tiny["meta"]["utterances"])):
        f = utterance_files(tiny, i)
        samples, rate = read_wav(f["audio"])
        for iv in read_textgrid(f["textgrid"], tier="phones"):
            if iv.label == vowel:
                rows.append(formants(samples, rate, 0.5 * (iv.start + iv.end))[:2])
    return np.array(rows)


def test_formants_of_a_and_i(tiny):
    a, i = _vowel_formants(tiny, "a"), _vowel_formants(tiny, "i")
    assert len(a) >= 2 and len(i) >= 2  # seed 0's tiny corpus has 3 /a/ and 4 /i/
    assert a[:, 0].min() > i[:, 0].max()  # /a/ is open: higher F1 than any /i/
    assert a[:, 1].max() < i[:, 1].min()  # /i/ is front: higher F2 than any /a/
    assert np.median(a[:, 0]) > 500 and np.median(i[:, 1]) > 1800


def _ridge_errors(tiny, shift: float = 0.0) -> np.ndarray:
    """Per ultrasound frame, the median |brightest sample - truth| (samples) over the central
    scanlines (|angle| < 0.4 rad, clear of the bone shadows) the contour spans."""
    per_frame = []
    for i in range(len(tiny["meta"]["utterances"])):
        f = utterance_files(tiny, i)
        prm = read_param(f["param"])
        ult = np.asarray(read_ult(f["ultrasound"], prm), dtype=np.float64)
        _, raw, _ = read_contour_csv(f["contour"])
        phi = ProbeGeometry.from_params(prm).theta(np.arange(prm.num_vectors))
        start = int(20 * prm.pixels_per_mm)  # below the bright near field
        kernel = np.ones(3) / 3  # ~2 mm along the beam against speckle
        for k in range(len(ult)):
            lines = np.flatnonzero((np.abs(phi) < 0.4) & (np.arange(len(phi)) >= raw[k, 0, 0])
                                   & (np.arange(len(phi)) <= raw[k, -1, 0]))  # fmt: skip
            truth = np.interp(lines, raw[k, :, 0], raw[k, :, 1]) + shift
            smooth = np.array([np.convolve(row, kernel, "same") for row in ult[k, lines]])
            ridge = start + smooth[:, start:].argmax(axis=1)
            per_frame.append(np.median(np.abs(ridge - truth)))
    return np.array(per_frame)


def test_ultrasound_echo_follows_truth_contour(tiny):
    err = _ridge_errors(tiny)
    assert np.mean(err <= 2.0) > 0.9  # 2 samples = 1.25 mm in the tiny preset
    assert np.median(err) <= 1.5
    shifted = _ridge_errors(tiny, shift=8.0)  # a contour 5 mm off is told apart
    assert np.median(shifted) > 5.0
