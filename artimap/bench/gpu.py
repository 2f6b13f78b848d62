"""`artimap bench gpu`: one short prepared benchmark of the GPU paths, well under 5 minutes on
one GPU; a dry run of the same code at tiny sizes on the CPU (`--quick`, or no CUDA), which is
what the tests run.

1. training: steps/s of the paper-size TS-CNN-LSTM (96 x 96 lips, N = 7, 128 x 64 target; Adam,
   MSE on random batches) in full precision and under AMP (CUDA: float16 with loss scaling, as
   `artimap train` does; CPU: bfloat16), interleaved rounds, and the speed-up;
2. lip2tongue inference: batched clips -> frames/s (one output frame per clip), fp32 and AMP,
   and the multiple of real time at the 60 fps training clock;
3. phone2face inference: the paper-size BiGRU on a batch of random phone sequences at 120 fps,
   seconds of speech per second of compute (x real time);
4. peak memory of each part (CUDA: `torch.cuda.max_memory_allocated`; CPU: the process's peak
   resident memory so far, which no part resets).
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from collections.abc import Callable
from typing import Any

import torch

from artimap.bench.timing import compare
from artimap.distributed import amp_dtype, autocast
from artimap.models import build_model
from artimap.models.ts_cnn_lstm import TINY_TS_CNN_LSTM
from artimap.progress import step

L2T_FPS, P2F_RATE = 60.0, 120.0  # lip frames and marker frames per second
# Sizes of a full run (one GPU, < 5 min) and of the dry run (CPU, seconds).
FULL = {"l2t": {}, "train_batch": 64, "train_steps": 20, "infer_batch": 256, "rounds": 3,
        "p2f": {"n_phones": 40, "n_out": 132}, "p2f_batch": 256, "p2f_s": 10.0}
DRY = {"l2t": dict(TINY_TS_CNN_LSTM), "train_batch": 4, "train_steps": 2, "infer_batch": 8,
       "rounds": 1, "p2f": {"n_phones": 7, "n_out": 6, "hidden": 8}, "p2f_batch": 4,
       "p2f_s": 1.0}


def _peak_mb(device: torch.device) -> float:
    """Peak memory since the last reset (CUDA) or of the process so far (CPU), MiB."""
    if device.type == "cuda":
        return round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss_kb / 1024, 1)


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def _clips(model: torch.nn.Module, batch: int, device: torch.device
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Random inputs of a TS-CNN-LSTM: frames (B, N, 1, H, W), flow (B, N-1, 2, H, W)."""
    c = model.config
    frames = torch.rand(batch, c.n_frames, 1, c.in_size, c.in_size, device=device)
    flow = torch.randn(batch, c.n_frames - 1, 2, c.in_size, c.in_size, device=device)
    return frames, flow


def _train_steps(model: torch.nn.Module, dtype: torch.dtype | None, batch: int, steps: int,
                 device: torch.device) -> Callable[[], float]:
    """`steps` Adam steps on one random batch under `dtype` autocast (None: fp32)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    frames, flow = _clips(model, batch, device)
    target = torch.rand(batch, *model.config.out_shape(), device=device)  # (B, H, W)

    def run() -> float:
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            with autocast(device, dtype):
                loss = torch.nn.functional.mse_loss(model(frames, flow).float(), target)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        return float(loss.detach())

    return run


def training(s: dict, device: torch.device, dtype: torch.dtype | None, sync) -> dict[str, Any]:
    """Steps/s of TS-CNN-LSTM training, fp32 vs AMP (module doc, 1)."""
    torch.manual_seed(0)
    model = build_model("lip2tongue_ts_cnn_lstm", s["l2t"]).to(device).train()
    runs = {"fp32": _train_steps(model, None, s["train_batch"], s["train_steps"], device),
            "amp": _train_steps(model, dtype, s["train_batch"], s["train_steps"], device)}
    _reset_peak(device)
    timed = compare(runs, rounds=s["rounds"], warmup=1, baseline="fp32", sync=sync)
    rate = {k: s["train_steps"] / timed[k].min_s for k in runs}
    return {"params": sum(p.numel() for p in model.parameters()), "batch": s["train_batch"],
            "steps_per_s_fp32": round(rate["fp32"], 2), "steps_per_s_amp": round(rate["amp"], 2),
            "amp_speedup": round(rate["amp"] / rate["fp32"], 2),
            "final_loss_finite": all(math.isfinite(timed[k].value) for k in runs),
            "peak_memory_mb": _peak_mb(device)}


def lip2tongue_inference(s: dict, device: torch.device, dtype: torch.dtype | None,
                         sync) -> dict[str, Any]:
    """Batched lip2tongue frames/s, fp32 and AMP (module doc, 2)."""
    torch.manual_seed(0)
    model = build_model("lip2tongue_ts_cnn_lstm", s["l2t"]).to(device).eval()
    frames, flow = _clips(model, s["infer_batch"], device)

    def forward(cast: torch.dtype | None) -> Callable[[], torch.Tensor]:
        def run() -> torch.Tensor:
            with torch.inference_mode(), autocast(device, cast):
                return model(frames, flow)
        return run

    _reset_peak(device)
    timed = compare({"fp32": forward(None), "amp": forward(dtype)}, rounds=s["rounds"],
                    warmup=1, sync=sync)
    fps = {k: s["infer_batch"] / timed[k].min_s for k in ("fp32", "amp")}
    return {"batch": s["infer_batch"], "frames_per_s_fp32": round(fps["fp32"], 1),
            "frames_per_s_amp": round(fps["amp"], 1),
            "x_realtime_amp": round(fps["amp"] / L2T_FPS, 1), "peak_memory_mb": _peak_mb(device)}


def phone2face_inference(s: dict, device: torch.device, sync) -> dict[str, Any]:
    """Batched BiGRU inference, x real time at 120 fps (module doc, 3)."""
    torch.manual_seed(0)
    model = build_model("phone2face_bigru", s["p2f"]).to(device).eval()
    frames = int(s["p2f_s"] * P2F_RATE)
    phones = torch.randint(0, model.config.n_phones, (s["p2f_batch"], frames), device=device)

    def run() -> torch.Tensor:
        with torch.inference_mode():
            return model(phones)  # (B, T, n_out)

    _reset_peak(device)
    timed = compare({"batched": run}, rounds=s["rounds"], warmup=1, sync=sync)
    speech = s["p2f_batch"] * s["p2f_s"]
    return {"batch": s["p2f_batch"], "utterance_s": s["p2f_s"],
            "x_realtime": round(speech / timed["batched"].min_s, 1),
            "peak_memory_mb": _peak_mb(device)}


def sizes(quick: bool, cuda: bool) -> tuple[dict, bool]:
    """(the sizes to run, whether it is a dry run): the full sizes only on CUDA without
    --quick."""
    dry = quick or not cuda
    return (DRY if dry else FULL), dry


def bench_gpu(args: argparse.Namespace) -> dict[str, Any]:
    """`artimap bench gpu` (module doc): a full run on CUDA, else (or with --quick) a dry run
    at tiny sizes on whatever device there is."""
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    s, dry = sizes(bool(getattr(args, "quick", False)), cuda)
    dtype = amp_dtype("on", "float16", device)
    sync = torch.cuda.synchronize if cuda else None
    t0 = time.perf_counter()
    out: dict[str, Any] = {
        "bench": "gpu", "dry_run": dry, "torch": torch.__version__,
        "device": torch.cuda.get_device_name(device) if cuda else "cpu (no CUDA)",
        "amp_dtype": str(dtype).replace("torch.", "")}
    for part, fn in (("training", lambda: training(s, device, dtype, sync)),
                     ("lip2tongue_inference", lambda: lip2tongue_inference(s, device, dtype,
                                                                           sync)),
                     ("phone2face_inference", lambda: phone2face_inference(s, device, sync))):
        step("bench gpu", part)
        out[part] = fn()
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out
