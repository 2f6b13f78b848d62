"""`artimap bench l2t_models`: speed of the lip2tongue models on CPU (2 threads): streaming vs
naive window recomputation.

`bench_models(args)` builds the paper-size models with random weights (speed does not depend on
the weights) and random inputs, and measures, in one process:
  - stream_fps: one stream, one new 96 x 96 frame (+ its flow) at a time through
    `StreamingPredictor` (one pass of each tower per frame, LSTM + attention + head over the N
    cached features), paper-size TS-CNN-LSTM with attention;
  - naive_fps: the same stream, recomputing the whole window (N frames, N-1 flows) per frame;
  - stream_speedup: stream_fps / naive_fps, from interleaved rounds (the machine may be loaded
    by other work, so the ratio is the robust number);
  - batch32_stream_fps: 32 streams pushed together (frames/s over all streams);
  - batch32_window_fps: 32 whole windows per forward (outputs/s);
  - convlstm_window_fps: the ConvLSTM baseline, windowed recomputation per frame;
  - the same stream/naive pair for the cheaper `tower_downsample=stride` variant and on one
    thread (2-thread OpenMP regions stall when other processes hold the cores), and the
    stream fps without the inference preparation (batch-norm folding, channels-last).
Both paths run the same inference copy (`StreamingPredictor.model`), so the ratio compares
only the amount of work.
Optical flow is not included (it is computed outside the model); `flow_ms_dis` and
`flow_ms_farneback` give OpenCV's per-frame cost on 96 x 96 crops for a full real-time budget.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import torch

from artimap.bench.timing import compare, time_once
from artimap.models.convlstm import build_convlstm
from artimap.models.streaming import StreamingPredictor, naive_window_predict
from artimap.models.ts_cnn_lstm import build_ts_cnn_lstm
from artimap.parallel import torch_threads

SIZE = 96


def _interleaved(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median seconds of each function over `rounds`, run alternately (after one warm-up)."""
    timed = compare(fns, rounds=rounds, warmup=1)
    return {k: timed[k].median_s for k in fns}


def _pusher(pred: StreamingPredictor, frames: torch.Tensor, flow: torch.Tensor) -> Callable:
    """A function that pushes the T frames of (frames, flow) into the running stream `pred`
    (steady state: after the first call every push yields an output)."""

    def push_all() -> None:
        for t in range(frames.shape[1]):
            pred.push(frames[:, t], flow[:, t - 1])

    return push_all


def _clip(b: int, t: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random stream: frames (B, T, 1, 96, 96), flow (B, T-1, 2, 96, 96)."""
    g = torch.Generator().manual_seed(0)
    frames = torch.rand(b, t, 1, SIZE, SIZE, generator=g)
    return frames, torch.randn(b, t - 1, 2, SIZE, SIZE, generator=g)


def _stream_vs_naive(cfg: dict[str, Any], t: int, rounds: int) -> dict[str, float]:
    """Per-frame fps of streaming and naive recomputation over one stream of T frames."""
    model = build_ts_cnn_lstm(cfg)
    pred = StreamingPredictor(model)
    frames, flow = _clip(1, t)
    n_out = t - model.config.n_frames + 1
    sec = _interleaved(
        {
            "stream": _pusher(pred, frames, flow),
            "naive": lambda: naive_window_predict(pred.model, frames, flow),
        },
        rounds,
    )
    return {"stream_fps": t / sec["stream"], "naive_fps": n_out / sec["naive"]}


def _batched(t: int, rounds: int) -> dict[str, float]:
    model = build_ts_cnn_lstm()
    pred = StreamingPredictor(model)
    n = model.config.n_frames
    frames, flow = _clip(32, t)
    window, win_flow = frames[:, :n], flow[:, : n - 1]

    def windows() -> None:
        with torch.inference_mode():
            pred.model(window, win_flow)

    sec = _interleaved({"stream": _pusher(pred, frames, flow), "window": windows}, rounds)
    return {
        "batch32_stream_fps": 32 * t / sec["stream"],
        "batch32_window_fps": 32 / sec["window"],
    }


def _convlstm(quick: bool) -> dict[str, Any]:
    """Windowed recomputation per frame of the paper-size ConvLSTM (48 x 48 input if quick)."""
    size = 48 if quick else SIZE
    model = build_convlstm({"in_size": size})
    pred = StreamingPredictor(model)
    frames = torch.rand(model.config.n_frames, 1, 1, size, size)  # (N, B=1, 1, H, W)
    with torch.inference_mode():
        for f in frames:  # fill the window (untimed)
            pred.push(f)
    reps = 2 if quick else 3
    sec = time_once(lambda: [pred.push(frames[i]) for i in range(reps)]).min_s
    return {"convlstm_window_fps": reps / sec, "convlstm_in_size": size}


def _flow_ms(reps: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    a = (rng.random((SIZE, SIZE)) * 255).astype(np.uint8)
    b = np.roll(a, 1, axis=1)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    fns = {
        "dis": lambda: dis.calc(a, b, None),
        "farneback": lambda: cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0),
    }
    sec = _interleaved({k: (lambda f=f: [f() for _ in range(reps)]) for k, f in fns.items()}, 3)
    return {f"flow_ms_{k}": 1e3 * v / reps for k, v in sec.items()}


def bench_models(args: Any) -> dict[str, Any]:
    """Run the lip2tongue model speed benchmark; `args.quick` shrinks it. Returns a flat dict."""
    quick = bool(getattr(args, "quick", False))
    with torch_threads(2):
        out = _models(quick)
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


def _models(quick: bool) -> dict[str, Any]:
    """The measurements of bench_models, on 2 torch threads unless stated."""
    t, rounds = (12, 2) if quick else (40, 5)
    load_before = os.getloadavg()[0]
    out: dict[str, Any] = {"bench": "l2t_models", "threads": 2, "frames_per_round": t}
    out["params_ts_cnn_lstm"] = sum(p.numel() for p in build_ts_cnn_lstm().parameters())
    out["params_convlstm"] = sum(p.numel() for p in build_convlstm().parameters())
    out.update(_stream_vs_naive({}, t, rounds))
    out["stream_speedup"] = out["stream_fps"] / out["naive_fps"]
    out["stream_ms_per_frame"] = 1e3 / out["stream_fps"]
    stride = _stream_vs_naive({"tower_downsample": "stride"}, t, rounds)
    out["stride_stream_fps"], out["stride_naive_fps"] = stride["stream_fps"], stride["naive_fps"]
    out["stride_stream_speedup"] = stride["stream_fps"] / stride["naive_fps"]
    out["stream_fps_not_fast"] = _not_fast(t, rounds)
    with torch_threads(1):  # a loaded machine stalls 2-thread OpenMP regions; compare
        one = _stream_vs_naive({}, t, rounds)
    out["stream_fps_1thread"], out["naive_fps_1thread"] = one["stream_fps"], one["naive_fps"]
    out["stream_speedup_1thread"] = one["stream_fps"] / one["naive_fps"]
    out.update(_batched(8 if quick else 16, max(1, rounds // 2)))
    out.update(_convlstm(quick))
    out.update(_flow_ms(10 if quick else 50))
    out["load_avg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return out


def _not_fast(t: int, rounds: int) -> float:
    model = build_ts_cnn_lstm()
    pred = StreamingPredictor(model, fast=False)
    frames, flow = _clip(1, t)
    sec = _interleaved({"stream": _pusher(pred, frames, flow)}, rounds)
    return t / sec["stream"]
