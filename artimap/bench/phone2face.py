"""`artimap bench phone2face`: inference speed, training time per epoch by batching, and epochs
to the minimum validation loss with an injected decoder vs the baseline.

1. inference: the paper-size BiGRU (2 x 128 units per direction, 132 outputs) on random phone
   sequences at 120 fps, on one long utterance (batch 1, latency), on the same utterance in
   overlapping windows run as one batch (`p2f_chunks`, 8 s windows with 2 s of context each
   side) and on many utterances in padded batches (throughput); speed = seconds of speech per
   second of compute. The chunks' deviation from whole-sequence inference (mm) is measured
   with the models trained in 3, on the talker's utterances put end to end. `exact_paths`
   compares, in the same interleaved run, today's torch path with the other exact ones
   (onnxruntime's fused GRU: the Predictor's default; a TorchScript cell; torch without
   oneDNN), by wall and CPU seconds, with onnxruntime's time per operator (`p2f_paths`).
2. training: one epoch over a small virtual-talker set with minibatches of 2 random sentences
   (the paper's setting) vs length-bucketed batches of `bucket_batch` sentences.
3. convergence: the baseline and the PCA-injected model trained the same number of epochs on
   that set; the epoch of minimum validation loss of each.
4. bases: test reconstruction RMSE (mm) of the PCA, blendshape and autoencoder spaces
   fitted on that set's train split (Table 1).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler

from artimap.bench.p2f_paths import exact_paths, onnx_profile
from artimap.bench.timing import compare, time_once
from artimap.data.phone2face.dataset import (
    BucketBatchSampler,
    Phone2FaceDataset,
    collate_padded,
    open_prepared,
    phone_set,
)
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.models.bigru import build
from artimap.models.export import model_parts, part_bytes
from artimap.synth.corpus import generate_corpus
from artimap.tasks.phone2face.bases import bases_table
from artimap.tasks.phone2face.chunks import forward_chunked
from artimap.tasks.phone2face.predictor import Predictor, load_predictor
from artimap.tasks.registry import load_run, resolve_config, train_run

GOAL_X_REALTIME = 1000.0  # inference, CPU
RATE = 120.0  # marker frames per second
CHUNK_S, CONTEXT_S = 8.0, 2.0  # chunked inference: kept window and context each side, s


def _forward(model: torch.nn.Module, batch: int, frames: int, device: str,
             chunk: tuple[int, int] | None = None) -> Callable[[], torch.Tensor]:
    """A call of `model` on `batch` random sequences of `frames` frames; chunk = (window,
    context) frames: one sequence in overlapping windows (`p2f_chunks`)."""

    x = torch.randint(0, model.config.n_phones, (batch, frames), device=device)  # (B, T)
    return lambda: model(x) if chunk is None else forward_chunked(model, x[0], *chunk)


def _speeds(model: torch.nn.Module, device: str, repeats: int, long_s: float, batch: int,
            utt_s: float) -> dict[str, float]:
    """Seconds of speech per compute second of one long sequence, the same in chunks, and a
    batch (each the fastest of `repeats` interleaved passes after a warm-up: the least
    disturbed by other load)."""
    n_long, n_utt = int(long_s * RATE), int(utt_s * RATE)
    runs = {"single": _forward(model, 1, n_long, device),
            "single_chunked": _forward(model, 1, n_long, device,
                                       (int(CHUNK_S * RATE), int(CONTEXT_S * RATE))),
            "batched": _forward(model, batch, n_utt, device)}
    speech = {"single": n_long / RATE, "single_chunked": n_long / RATE,
              "batched": batch * n_utt / RATE}
    sync = torch.cuda.synchronize if device == "cuda" else None
    with torch.inference_mode():
        timed = compare(runs, rounds=repeats, warmup=1, sync=sync)
    return {k: speech[k] / timed[k].min_s for k in runs}


def inference_speed(quick: bool) -> dict[str, Any]:
    """x real time of the paper-size model, batch 1 and batched, on CPU (and CUDA if any)."""

    out: dict[str, Any] = {"threads": torch.get_num_threads()}
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    long_s, batch, utt_s = (10.0, 16, 2.5) if quick else (60.0, 64, 5.0)
    torch.manual_seed(0)
    model = build({"n_phones": 40, "n_out": 132}).eval()  # one set of weights for every path
    graph = part_bytes(model_parts(model)["model"])  # exported once
    for device in devices:
        on_device = model if device == "cpu" else copy.deepcopy(model).to(device)
        x = _speeds(on_device, device, 1 if quick else 3, long_s, batch, utt_s)
        out[device] = {**{f"x_realtime_{k}": round(v, 1) for k, v in x.items()},
                       "single_utterance_s": long_s, "chunk_s": CHUNK_S, "context_s": CONTEXT_S,
                       "batch": batch, "batch_utterance_s": utt_s}
    cpu = out["cpu"]
    out["exact_paths"] = exact_paths(model, graph, long_s, 1 if quick else 3)
    out["onnx_profile"] = onnx_profile(graph, long_s)
    exact = max(v["x_realtime_cpu"] for v in out["exact_paths"].values() if isinstance(v, dict))
    out["goal_x_realtime_cpu"] = GOAL_X_REALTIME
    out["meets_goal_cpu_exact"] = exact >= GOAL_X_REALTIME  # by CPU seconds, one utterance
    out["meets_goal_cpu"] = max(cpu["x_realtime_single"], cpu["x_realtime_single_chunked"],
                                cpu["x_realtime_batched"], exact) >= GOAL_X_REALTIME
    return out


def chunk_deviation(run_dir: Path, window_s: float = CHUNK_S,
                    contexts_s: tuple[float, ...] = (0.5, 1.0, CONTEXT_S)) -> dict[str, Any]:
    """Largest and mean absolute difference (mm, per coordinate) between chunked and
    whole-sequence inference of a trained run, on every utterance of its dataset end to end."""


    _, cfg = load_run(run_dir)
    ids = np.asarray(open_prepared(cfg.data).array("phone_ids"), dtype=np.int64)  # (T,) all
    full, meta = load_predictor(run_dir)
    ref = full(ids)  # (T, M, 3) mm
    out: dict[str, Any] = {"run": str(run_dir), "seconds": round(len(ids) / meta["rate"], 1),
                           "window_s": window_s, "max_abs_mm": {}, "mean_abs_mm": {}}
    for c in contexts_s:
        chunked = Predictor(full.model, meta, chunk_s=window_s, context_s=c)  # same weights
        diff = np.abs(chunked(ids) - ref)
        out["max_abs_mm"][str(c)] = float(f"{diff.max():.3g}")
        out["mean_abs_mm"][str(c)] = float(f"{diff.mean():.3g}")
    return out


def _epoch(ds, model, batch_sampler, seed: int = 0) -> Callable[[], float]:
    """A function that trains `model` one epoch over `batch_sampler` and returns the share of
    padded frames."""


    loader = DataLoader(ds, batch_sampler=batch_sampler, collate_fn=collate_padded)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def run() -> float:
        torch.manual_seed(seed)
        real = padded = 0
        for batch in loader:
            y, mask = batch["markers"], batch["mask"].float()  # (B, T, D)
            pred = model(batch["phones"], batch["lengths"])  # (B, T, D)
            loss = (((pred - y) ** 2) * mask).sum() / mask.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            real += int(batch["lengths"].sum())
            padded += batch["phones"].numel()
        return 1 - real / max(padded, 1)

    return run


def training_speed(prepared: Path, hidden: int, bucket_batch: int) -> dict[str, Any]:
    """Epoch time with minibatches of 2 random sentences vs bucketed batches."""


    ds = Phone2FaceDataset(prepared, "train", normalise=True)
    n_out = ds[0]["markers"].shape[1]
    n_phones = len(phone_set(ds.prepared).phones)
    out: dict[str, Any] = {"train_utterances": len(ds), "hidden": hidden}
    bucketed = f"bucketed_{bucket_batch}"
    samplers = {
        "minibatch_2": BatchSampler(RandomSampler(ds, generator=torch.Generator().manual_seed(0)),
                                    2, drop_last=False),
        bucketed: BucketBatchSampler(ds.lengths, bucket_batch, seed=0),
    }
    epochs = {}
    for name, sampler in samplers.items():
        torch.manual_seed(0)  # the same initial weights for both
        epochs[name] = _epoch(ds, build({"n_phones": n_phones, "n_out": n_out,
                                         "hidden": hidden}), sampler)
    timed = compare(epochs, rounds=1, warmup=0, baseline=bucketed)
    for name, sampler in samplers.items():
        out[name] = {"epoch_s": round(timed[name].min_s, 3),
                     "padding": round(timed[name].value, 3), "steps": len(sampler)}
    out["epoch_time_ratio"] = round(timed.ratio("minibatch_2"), 2)
    return out


def convergence(prepared: Path, run_root: Path, epochs: int, hidden: int) -> dict[str, Any]:
    """Epoch of minimum validation loss of the baseline and of the PCA-injected model."""

    out: dict[str, Any] = {"epochs": epochs, "hidden": hidden}
    for name, decoder in (("baseline", "dense"), ("pca_injected", "pca")):
        data = {"task": "phone2face", "name": name, "data": str(prepared), "decoder": decoder,
                "init": "injected", "model_config": {"hidden": hidden},
                "train": {"epochs": epochs, "device": "cpu", "progress": False}}
        module, cfg = resolve_config(data)
        run = time_once(partial(train_run, module, cfg, run_root / name))
        state = run.value
        out[name] = {"best_epoch": state.best_epoch, "best_val": round(state.best_val, 5),
                     "seconds": round(run.min_s, 1)}
    return out


def bench_phone2face(args: argparse.Namespace) -> dict[str, Any]:
    """All three measurements as one JSON-ready dict (--quick: a small problem, seconds)."""

    quick = bool(getattr(args, "quick", False))
    # utterances, hidden units (speed at the paper's 128), convergence hidden units and epochs
    n_utts, hidden, conv_hidden, epochs = (10, 16, 16, 2) if quick else (40, 128, 32, 25)
    result: dict[str, Any] = {"bench": "phone2face", "quick": quick,
                              "inference": inference_speed(quick)}
    with tempfile.TemporaryDirectory(prefix="artimap-bench-p2f-") as tmp:
        root = Path(tmp)
        generate_corpus(root / "corpus", preset="demo", utterances=n_utts, progress=False)
        # a few sentences: val/test phones unseen in training map to silence
        prepared = prepare_phone2face(root / "corpus", root / "prepared",
                                      PrepareConfig(fallback="sil"))
        result["bases"] = bases_table(prepared, 4 if quick else 13,
                                      settings={"epochs": 3 if quick else 100})
        result["training"] = training_speed(prepared, hidden, 4 if quick else 16)
        result["convergence"] = convergence(prepared, root / "runs", epochs, conv_hidden)
        result["chunk_deviation"] = {name: chunk_deviation(root / "runs" / name)
                                     for name in ("baseline", "pca_injected")}
    return result
