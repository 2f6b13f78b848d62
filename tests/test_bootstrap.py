"""Bootstrap intervals over test utterances (artimap.metrics.bootstrap)."""

from __future__ import annotations

import numpy as np
import pytest

from artimap.metrics.bootstrap import gap_interval, mean_interval


def test_mean_interval_brackets_the_mean_and_shrinks_with_agreement():
    rng = np.random.default_rng(0)
    wide = {f"u{i}": float(v) for i, v in enumerate(rng.normal(1.0, 1.0, 40))}
    narrow = {u: 1.0 + 0.01 * (v - 1.0) for u, v in wide.items()}
    lo, hi = mean_interval([wide])
    assert lo < np.mean(list(wide.values())) < hi
    n_lo, n_hi = mean_interval([narrow])
    assert n_hi - n_lo == pytest.approx(0.01 * (hi - lo), abs=2e-6)  # 6 decimals kept
    assert mean_interval([{"a": 1.0}]) is None  # one utterance: no interval


def test_seeds_are_averaged_per_utterance_first():
    a = {"u1": 0.0, "u2": 2.0, "u3": 4.0}
    b = {"u1": 2.0, "u2": 4.0, "u3": 6.0}
    assert mean_interval([a, b]) == mean_interval([{"u1": 1.0, "u2": 3.0, "u3": 5.0}])


def test_gap_interval_is_one_at_the_ceiling_and_zero_at_the_floor():
    floor = {f"u{i}": 1.0 + 0.1 * i for i in range(10)}
    ceiling = {u: v - 0.5 for u, v in floor.items()}
    assert gap_interval([ceiling], floor, ceiling, higher_better=False) == (1.0, 1.0)
    assert gap_interval([floor], floor, ceiling, higher_better=False) == (0.0, 0.0)
    half = {u: v - 0.25 for u, v in floor.items()}
    assert gap_interval([half], floor, ceiling, higher_better=False) == (0.5, 0.5)
    noisy = {u: v + (0.2 if i % 2 else -0.2) for i, (u, v) in enumerate(half.items())}
    lo, hi = gap_interval([noisy], floor, ceiling, higher_better=False)
    assert lo < 0.5 < hi
