"""Chunked phone2face inference: windows tile the utterance with their context, and the output
matches whole-sequence inference where the context covers what the model remembers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artimap.models.bigru import build
from artimap.tasks.phone2face.chunks import chunk_spans, forward_chunked
from artimap.tasks.phone2face.predictor import Predictor


@pytest.mark.parametrize("n,window,context", [(100, 20, 10), (101, 30, 7), (50, 10, 0),
                                              (40, 30, 10), (61, 20, 20)])
def test_spans_tile_the_frames_with_context_on_both_sides(n, window, context):
    spans = chunk_spans(n, window, context)
    length = min(n, window + 2 * context)
    assert spans[0][1] == 0 and spans[-1][2] == n
    for (a, s, e), nxt in zip(spans, spans[1:] + [(None, n, None)]):
        assert e == nxt[1] and a >= 0 and a + length <= n and s < e  # tiled, in range
        assert a <= s - min(context, s) and a + length >= e + min(context, n - e)


def test_chunked_output_matches_the_whole_sequence():
    torch.manual_seed(0)
    model = build({"n_phones": 7, "n_out": 6, "hidden": 8}).eval()
    x = torch.randint(0, 7, (300,))  # (T,)
    with torch.inference_mode():
        full = model(x[None])[0]  # (T, D)
        np.testing.assert_allclose(forward_chunked(model, x, 300, 5), full, atol=1e-6)
        near = (forward_chunked(model, x, 40, 3) - full).abs().max()
        far = (forward_chunked(model, x, 40, 60) - full).abs().max()
    assert far < 1e-4 < near  # the recurrent state forgets: far context does not matter


def test_predictor_chunks_in_seconds_of_the_model_rate():
    torch.manual_seed(0)
    model = build({"n_phones": 5, "n_out": 6, "hidden": 8})
    meta = {"target_mean": np.full(6, 100.0, np.float32), "target_scale": np.ones(6, np.float32),
            "markers": ["a", "b"], "rate": 30.0, "model_name": "phone2face_bigru"}
    ids = np.random.default_rng(0).integers(0, 5, 600)
    exact = Predictor(model, meta)(ids)
    chunked = Predictor(model, meta, chunk_s=2.0, context_s=2.0)
    assert (chunked.window, chunked.context) == (60, 60)
    out = chunked(ids)
    assert out.shape == exact.shape == (600, 2, 3)
    np.testing.assert_allclose(out, exact, atol=1e-3)


def test_predict_offers_chunking_off_by_default():
    from artimap.commands.predict import task_parser
    from artimap.tasks import phone2face

    args = task_parser("RUN", phone2face).parse_args(["--out", "o", "--alignment", "a.lab"])
    assert (args.chunk_s, args.context_s) == (0.0, 2.0)
    args = task_parser("RUN", phone2face).parse_args(
        ["--out", "o", "--alignment", "a.lab", "--chunk-s", "8", "--context-s", "1.5"])
    assert (args.chunk_s, args.context_s) == (8.0, 1.5)
