"""One lip-frame path: the same video through prepare + Lip2TongueDataset and through the
per-frame step that predict and live run (stepper.FramePredictor) gives identical model inputs
(frames and flow tensors, bit for bit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from artimap.data.lip2tongue import Lip2TongueDataset
from artimap.data.lip2tongue.inputs import (
    FLOW_DTYPE,
    FrameStream,
    compute_flow,
    crop_frames,
    model_flow,
    model_frames,
)
from artimap.data.prepared import SPLITS, Prepared
from artimap.models.ts_cnn_lstm import TINY_TS_CNN_LSTM, build_ts_cnn_lstm
from artimap.tasks.lip2tongue.predict import choose_box, read_lips
from artimap.tasks.lip2tongue.stepper import FramePredictor

CLIP = 5


def _lag(crops: np.ndarray, stored: np.ndarray) -> int:
    """The one position of the utterance's stored frames (F, S, S) inside predict's crops."""
    n = len(stored)
    lags = [j for j in range(len(crops) - n + 1) if np.array_equal(crops[j:j + n], stored)]
    assert len(lags) == 1, f"stored frames found at {lags} in the predict stream"
    return lags[0]


def _stream(prepared: Path, utt: dict) -> tuple[np.ndarray, list]:
    """(crops (F, S, S), [(frame (1, S, S), flow (2, S, S))] per lip frame): what a
    FramePredictor of a flow-using model hands its model for the utterance's lip video, with
    the box the run would use (inputs not standardised, as the dataset gives them)."""
    manifest_settings = Lip2TongueDataset(prepared, "train").manifest["settings"]
    data = {k: manifest_settings[k] for k in ("image_size", "flow", "fps")}
    frames, _ = read_lips(Path(utt["files"]["lips"]), data["fps"])
    box = choose_box(None, {utt["speaker"]: utt["roi"]}, frames, data["fps"])
    assert list(box) == utt["roi"]
    model = build_ts_cnn_lstm({**TINY_TS_CNN_LSTM, "in_size": data["image_size"]})
    meta = {"normalisation": Prepared.open(prepared, "lip2tongue").stats, "normalise_inputs": False,
            "normalise_target": False, "data": data}
    predictor = FramePredictor(model, meta, box)
    assert predictor.model.uses_flow
    seen: list = []

    def record(x, flow):  # x (1, 1, S, S), flow (1, 2, S, S): the model's inputs of one frame
        seen.append((x[0], flow[0]))

    predictor.model.push = record  # the inputs are under test, not the network
    crops = np.stack([predictor.push(frame).crop for frame in frames])  # (F, S, S)
    return crops, seen


def assert_same_inputs(prepared: Path) -> int:
    """Every clip of every split equals predict's inputs for the same frames; returns the
    number of clips compared."""
    stored = Prepared.open(prepared, "lip2tongue").array("frames")
    streams: dict[int, tuple[list, int]] = {}
    compared = 0
    for split in SPLITS:
        ds = Lip2TongueDataset(prepared, split, clip_len=CLIP)
        for index in range(len(ds)):
            item = ds[index]
            u, start = ds.locate(index)
            if u not in streams:
                utt = ds.manifest["utterances"][u]
                crops, steps = _stream(prepared, utt)
                rows = stored[utt["offset"]:utt["offset"] + utt["n_frames"]]
                streams[u] = steps, _lag(crops, rows)
            steps, lag = streams[u]
            window = steps[lag + start:lag + start + CLIP]
            frames = torch.stack([x for x, _ in window])  # (N, 1, S, S)
            flow = torch.stack([f for _, f in window[1:]])  # (N-1, 2, S, S)
            assert item["frames"].dtype == frames.dtype and item["flow"].dtype == flow.dtype
            assert torch.equal(item["frames"], frames), f"clip {index}: frames differ"
            assert torch.equal(item["flow"], flow), (
                f"clip {index}: flow differs by up to {(item['flow'] - flow).abs().max():.2e}")
            compared += 1
    return compared


def test_prepared_clips_equal_predict_inputs_at_the_training_rate(l2t_prepared):
    """Talker videos at 60 fps, prepared at 60 fps: every lip frame kept, Farneback flow."""
    assert assert_same_inputs(l2t_prepared) > 100


def test_prepared_clips_equal_predict_inputs_after_resampling(tmp_path):
    """50 fps videos prepared at 60 fps (frames picked on a grid) and DIS flow; the target
    starts 0.23 s in, off the grid of both clocks."""
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings
    from artimap.testing.lip2tongue import write_fake_corpus

    write_fake_corpus(tmp_path / "c", n_utterances=2, video_fps=50.0, t0=0.23)
    settings = Settings(image_size=24, fps=60.0, flow="dis", target_size=(16, 8))
    prepare(tmp_path / "c", tmp_path / "o", settings, split=(1, 0, 0))
    assert assert_same_inputs(tmp_path / "o") > 60


@pytest.mark.parametrize("method", ["farneback", "dis"])
def test_frame_stream_equals_the_batch_path(method):
    """Colour frames pushed one by one give the batch path's crops, frames and flow."""
    from artimap.testing.lip2tongue import MOUTH_BOX, lip_frames

    grey = lip_frames(8, 60.0)  # (F, H, W)
    colour = np.stack([grey, grey // 2, 255 - grey], axis=-1)  # (F, H, W, 3) BGR
    crops = crop_frames(colour, MOUTH_BOX, 16)  # (F, S, S)
    flow = compute_flow(crops, method)  # (F, 2, S, S)
    assert flow.dtype == FLOW_DTYPE
    stream = FrameStream(MOUTH_BOX, 16, method)
    for k, frame in enumerate(colour):
        step = stream.push(frame)
        assert np.array_equal(step.crop, crops[k])
        assert np.array_equal(step.frame, model_frames(crops[k:k + 1])[0])
        if k == 0:
            assert step.flow is None
        else:
            assert np.array_equal(step.flow, model_flow(flow[k:k + 1])[0])
    assert FrameStream(MOUTH_BOX, 16, None).push(colour[0]).flow is None


def test_model_layout_and_scale():
    crops = np.array([[[0, 255], [51, 102]]], np.uint8)  # (1, 2, 2)
    frames = model_frames(crops)
    assert frames.shape == (1, 1, 2, 2) and frames.dtype == np.float32
    assert frames.min() == 0 and frames.max() == 1 and frames[0, 0, 1, 0] == np.float32(0.2)
    flow = model_flow(np.full((1, 2, 2, 2), 0.1, np.float16))
    assert flow.dtype == np.float32 and flow[0, 0, 0, 0] == np.float32(np.float16(0.1))
