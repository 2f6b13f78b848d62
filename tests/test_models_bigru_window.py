"""phone2face sliding-window baseline: shapes, locality, overlap averaging, padding."""

from __future__ import annotations

import pytest
import torch

from artimap.errors import ArtimapError
from artimap.models import build_model
from artimap.models.window import _overlap_average, build

SMALL = {"n_phones": 5, "n_out": 6, "in_window": 5, "out_window": 3, "hidden": 16, "layers": 2,
         "dropout": 0.0}


def test_shapes_and_backward() -> None:
    model = build_model("phone2face_window", SMALL)
    phones = torch.randint(0, 5, (2, 17))
    out = model(phones, torch.tensor([17, 11]))
    assert out.shape == (2, 17, 6)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_context_is_limited_to_the_windows() -> None:
    torch.manual_seed(0)
    model = build(SMALL).eval()
    a = torch.randint(0, 5, (1, 30))
    b = a.clone()
    b[0, 20] = (a[0, 20] + 1) % 5  # change one phone
    diff = (model(a) - model(b)).abs().sum(-1)[0]  # (T,)
    # reach: input half-window 2 + output half-window 1 = 3 frames each side
    assert diff[:17].max() == 0 and diff[24:].max() == 0 and diff[17:24].max() > 0


def test_overlap_average_of_consistent_predictions_is_exact() -> None:
    B, W, D, T = 2, 3, 4, 7
    target = torch.randn(B, D, T)
    y = torch.zeros(B, W, D, T)
    for j in range(W):  # slot j at centre t predicts frame t + j - 1
        for t in range(T):
            if 0 <= t + j - 1 < T:
                y[:, j, :, t] = target[:, :, t + j - 1]
    out = _overlap_average(y, torch.ones(B, T))
    torch.testing.assert_close(out, target)


def test_padding_does_not_change_valid_frames() -> None:
    torch.manual_seed(0)
    model = build(SMALL).eval()
    phones = torch.randint(0, 5, (1, 12))
    padded = torch.cat([phones, torch.randint(0, 5, (1, 6))], dim=1)
    torch.testing.assert_close(model(padded, torch.tensor([12]))[:, :12], model(phones))


def test_even_windows_are_rejected() -> None:
    with pytest.raises(ArtimapError, match="odd"):
        build(dict(SMALL, in_window=4))
