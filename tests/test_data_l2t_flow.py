"""lip2tongue optical flow: sign convention, storage, both methods."""

import cv2
import numpy as np
import pytest

from artimap.data.lip2tongue.flow import flow_settings
from artimap.data.lip2tongue.inputs import compute_flow
from artimap.errors import ArtimapError


def _shifted_pair(dx: int, dy: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur((rng.random((140, 140)) * 255).astype(np.uint8), (0, 0), 2)
    a = base[20:116, 20:116]
    b = base[20 - dy:116 - dy, 20 - dx:116 - dx]  # content moved by (+dx, +dy)
    return np.stack([a, b, b])


@pytest.mark.parametrize("method", ["farneback", "dis"])
def test_flow_recovers_a_known_shift(method):
    flow = compute_flow(_shifted_pair(3, 2), method)
    assert flow.shape == (3, 2, 96, 96) and flow.dtype == np.float16
    assert not flow[0].any()  # no previous frame
    inner = flow[1, :, 20:-20, 20:-20].astype(np.float32)
    assert inner[0].mean() == pytest.approx(3.0, abs=0.2)  # u: right
    assert inner[1].mean() == pytest.approx(2.0, abs=0.2)  # v: down
    assert np.abs(flow[2].astype(np.float32)).mean() < 0.1  # identical frames


def test_flow_settings_are_stated_and_unknown_methods_rejected():
    assert flow_settings("farneback")["winsize"] == 15
    assert flow_settings("dis")["preset"] == "FAST"
    with pytest.raises(ArtimapError, match="farneback, dis"):
        compute_flow(np.zeros((2, 8, 8), np.uint8), "tvl1")
