"""Visual-speech metrics: lip aperture / protrusion at token centres, on hand-made markers."""

from __future__ import annotations

import numpy as np
import pytest

from artimap.metrics.visemes import token_centres, token_errors
from artimap.tasks.phone2face.metrics import METRICS, ScoreContext


def test_token_centres_of_runs():
    ids = np.array([0, 0, 1, 1, 1, 1, 0, 2, 2, 1])  # runs: 0x2, 1x4, 0, 2x2, 1
    assert token_centres(ids, [1]).tolist() == [4, 9]  # (2 + 6) // 2, (9 + 10) // 2
    assert token_centres(ids, [2, 0]).tolist() == [1, 6, 8]
    assert token_centres(ids[:0], [1]).tolist() == []


def _lips(gaps: list[float], z: list[float]) -> np.ndarray:
    """Markers (T, 2, 3): upper lip at (0, gap, z), lower lip at the origin."""
    pts = np.zeros((len(gaps), 2, 3))
    pts[:, 0, 1], pts[:, 0, 2] = gaps, z
    pts[:, 1, 2] = z
    return pts


def test_closure_error_and_hit_known_answer():
    # phones: sil, p (frames 1-3), a, m (frames 5-6), a; true lips closed on both bilabials
    ids = np.array([0, 1, 1, 1, 2, 3, 3, 2])
    true = _lips([8, 0, 0, 0, 9, 0, 0, 9], [0] * 8)
    pred = _lips([8, 3, 0.5, 3, 9, 2, 0.4, 9], [0] * 8)  # centres: frame 2 (0.5), frame 6 (0.4)
    errs = token_errors(pred, true, None, ids, [1, 3], 0, 1)
    assert errs == pytest.approx([0.5, 0.4])
    pred[2, 0, 1] = 2.5  # the /p/ centre now 2.5 mm open: a miss
    mask = np.ones((8, 2), bool)
    ctx = ScoreContext(phone_ids=[ids], bilabial=[1, 3], rounded=[], lips=(0, 1))
    by = {m.name: m.function for m in METRICS if m.function is not None}
    assert by["closure_error_mm"]([pred], [true], [mask], ctx, False) == pytest.approx(1.45)
    assert by["closure_hit"]([pred], [true], [mask], ctx, False) == pytest.approx(0.5)
    mask[6, 1] = False  # lower lip unseen at the /m/ centre: that token is skipped
    assert by["closure_hit"]([pred], [true], [mask], ctx, False) == pytest.approx(0.0)
    assert by["protrusion_error_mm"]([pred], [true], [mask], ctx, False) is None  # no class


def test_protrusion_at_rounded_vowel_centres():
    ids = np.array([0, 4, 4, 4, 0])
    true, pred = _lips([5] * 5, [0, 3, 4, 3, 0]), _lips([5] * 5, [0, 1, 1, 1, 0])
    assert token_errors(pred, true, None, ids, [4], 0, 1, "protrusion").tolist() == [3.0]
    with pytest.raises(ValueError, match="measure 'spread'"):
        token_errors(pred, true, None, ids, [4], 0, 1, "spread")


def test_closure_metrics_share_the_token_errors_of_one_scoring_pass(monkeypatch):
    from artimap.metrics import visemes
    from artimap.tasks.phone2face import metrics as p2f_metrics
    from artimap.tasks.phone2face.evaluate import score

    ids = np.array([0, 1, 1, 1, 2, 3, 3, 2])
    true = _lips([8, 0, 0, 0, 9, 0, 0, 9], [0] * 8)
    pred = _lips([8, 3, 2.5, 3, 9, 2, 0.4, 9], [0] * 8)
    ctx = ScoreContext(phone_ids=[ids, ids], bilabial=[1, 3], rounded=[2], lips=(0, 1))
    calls = []
    real = visemes.token_errors
    monkeypatch.setattr(p2f_metrics, "token_errors",
                        lambda *a, **k: calls.append(k) or real(*a, **k))
    out = score([pred, pred], [true, true], [None, None], ["a", "b"], ctx=ctx)
    assert out["closure_error_mm"]["mean"] == pytest.approx(1.45)
    assert out["closure_hit"]["pooled"] == pytest.approx(0.5)
    # per utterance (2) and pooled (2 utterances), once per token class, not once per metric
    assert sorted(k["measure"] for k in calls) == ["aperture"] * 4 + ["protrusion"] * 4
