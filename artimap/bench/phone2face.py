"""`artimap bench phone2face`: inference speed, training time per epoch by batching, and epochs
to the minimum validation loss with an injected decoder vs the baseline.

1. inference: the paper-size BiGRU (2 x 128 units per direction, 132 outputs) on random phone
   sequences at 120 fps, on one long utterance (batch 1, latency), on the same utterance in
   overlapping windows run as one batch (`p2f_chunks`, 8 s windows with 2 s of context each
   side) and on many utterances in padded batches (throughput); speed = seconds of speech per
   second of compute. The chunks' deviation from whole-sequence inference (mm) is measured
   with the models trained in 3, on the talker's utterances put end to end.
2. training: one epoch over a small virtual-talker set with minibatches of 2 random sentences
   (the paper's setting) vs length-bucketed batches of `bucket_batch` sentences.
3. convergence: the baseline and the PCA-injected model trained the same number of epochs on
   that set; the epoch of minimum validation loss of each.
4. bases: test reconstruction RMSE (mm) of the PCA, blendshape and autoencoder spaces
   fitted on that set's train split (Table 1).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

GOAL_X_REALTIME = 1000.0  # inference, CPU
RATE = 120.0  # marker frames per second
CHUNK_S, CONTEXT_S = 8.0, 2.0  # chunked inference: kept window and context each side, s


def _speed(model: torch.nn.Module, batch: int, frames: int, device: str, repeats: int,
           chunk: tuple[int, int] | None = None) -> float:
    """Seconds of speech per compute second for `batch` sequences of `frames` frames (the
    fastest of `repeats` timed passes after a warm-up: the least disturbed by other load);
    chunk = (window, context) frames: one sequence in overlapping windows (`p2f_chunks`)."""
    from artimap.tasks.phone2face.chunks import forward_chunked

    x = torch.randint(0, model.config.n_phones, (batch, frames), device=device)  # (B, T)

    def run() -> torch.Tensor:
        return model(x) if chunk is None else forward_chunked(model, x[0], *chunk)

    best = float("inf")
    with torch.inference_mode():
        run()  # warm-up
        for _ in range(repeats):
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            run()
            if device == "cuda":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - t0)
    return batch * frames / RATE / best


def inference_speed(quick: bool) -> dict[str, Any]:
    """x real time of the paper-size model, batch 1 and batched, on CPU (and CUDA if any)."""
    from artimap.models.bigru import build

    out: dict[str, Any] = {"threads": torch.get_num_threads()}
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    long_s, batch, utt_s = (10.0, 16, 2.5) if quick else (60.0, 64, 5.0)
    for device in devices:
        torch.manual_seed(0)
        model = build({"n_phones": 40, "n_out": 132}).to(device).eval()
        repeats = 1 if quick else 3
        single = _speed(model, 1, int(long_s * RATE), device, repeats)
        chunked = _speed(model, 1, int(long_s * RATE), device, repeats,
                         (int(CHUNK_S * RATE), int(CONTEXT_S * RATE)))
        many = _speed(model, batch, int(utt_s * RATE), device, repeats)
        out[device] = {"x_realtime_single": round(single, 1),
                       "x_realtime_single_chunked": round(chunked, 1),
                       "x_realtime_batched": round(many, 1),
                       "single_utterance_s": long_s, "chunk_s": CHUNK_S, "context_s": CONTEXT_S,
                       "batch": batch, "batch_utterance_s": utt_s}
    cpu = out["cpu"]
    out["goal_x_realtime_cpu"] = GOAL_X_REALTIME
    out["meets_goal_cpu"] = max(cpu["x_realtime_single"], cpu["x_realtime_single_chunked"],
                                cpu["x_realtime_batched"]) >= GOAL_X_REALTIME
    return out


def chunk_deviation(run_dir: Path, window_s: float = CHUNK_S,
                    contexts_s: tuple[float, ...] = (0.5, 1.0, CONTEXT_S)) -> dict[str, Any]:
    """Largest and mean absolute difference (mm, per coordinate) between chunked and
    whole-sequence inference of a trained run, on every utterance of its dataset end to end."""
    import numpy as np

    from artimap.data.common import open_array
    from artimap.tasks.phone2face.evaluate import Predictor, load_predictor
    from artimap.tasks.registry import load_run

    _, cfg = load_run(run_dir)
    ids = np.asarray(open_array(cfg.data, "phone_ids"), dtype=np.int64)  # (T,) all utterances
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


def _epoch_seconds(ds, model, batch_sampler, seed: int = 0) -> tuple[float, float]:
    """(seconds for one training epoch, share of padded frames) over `batch_sampler`."""
    from torch.utils.data import DataLoader

    from artimap.data.phone2face.dataset import collate_padded

    torch.manual_seed(seed)
    loader = DataLoader(ds, batch_sampler=batch_sampler, collate_fn=collate_padded)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    real = padded = 0
    t0 = time.perf_counter()
    for batch in loader:
        y, mask = batch["markers"], batch["mask"].float()  # (B, T, D)
        pred = model(batch["phones"], batch["lengths"])  # (B, T, D)
        loss = (((pred - y) ** 2) * mask).sum() / mask.sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        real += int(batch["lengths"].sum())
        padded += batch["phones"].numel()
    return time.perf_counter() - t0, 1 - real / max(padded, 1)


def training_speed(prepared: Path, hidden: int, bucket_batch: int) -> dict[str, Any]:
    """Epoch time with minibatches of 2 random sentences vs bucketed batches."""
    from torch.utils.data import BatchSampler, RandomSampler

    from artimap.data.phone2face.dataset import BucketBatchSampler, Phone2FaceDataset
    from artimap.data.phone2face.phones import load_phone_set
    from artimap.models.bigru import build

    ds = Phone2FaceDataset(prepared, "train", normalise=True)
    n_out = ds[0]["markers"].shape[1]
    n_phones = len(load_phone_set(prepared))
    out: dict[str, Any] = {"train_utterances": len(ds), "hidden": hidden}
    for name, sampler in (
        ("minibatch_2", BatchSampler(RandomSampler(ds, generator=torch.Generator().manual_seed(0)),
                                     2, drop_last=False)),
        (f"bucketed_{bucket_batch}", BucketBatchSampler(ds.lengths, bucket_batch, seed=0)),
    ):
        torch.manual_seed(0)
        model = build({"n_phones": n_phones, "n_out": n_out, "hidden": hidden})
        seconds, pad = _epoch_seconds(ds, model, sampler)
        out[name] = {"epoch_s": round(seconds, 3), "padding": round(pad, 3),
                     "steps": len(sampler)}
    out["epoch_time_ratio"] = round(out["minibatch_2"]["epoch_s"]
                                    / out[f"bucketed_{bucket_batch}"]["epoch_s"], 2)
    return out


def convergence(prepared: Path, run_root: Path, epochs: int, hidden: int) -> dict[str, Any]:
    """Epoch of minimum validation loss of the baseline and of the PCA-injected model."""
    from artimap.tasks.registry import resolve_config, train_run

    out: dict[str, Any] = {"epochs": epochs, "hidden": hidden}
    for name, decoder in (("baseline", "dense"), ("pca_injected", "pca")):
        data = {"task": "phone2face", "name": name, "data": str(prepared), "decoder": decoder,
                "init": "injected", "model_config": {"hidden": hidden},
                "train": {"epochs": epochs, "device": "cpu", "progress": False}}
        module, cfg = resolve_config(data)
        t0 = time.perf_counter()
        state = train_run(module, cfg, run_root / name)
        out[name] = {"best_epoch": state.best_epoch, "best_val": round(state.best_val, 5),
                     "seconds": round(time.perf_counter() - t0, 1)}
    return out


def bench_phone2face(args: argparse.Namespace) -> dict[str, Any]:
    """All three measurements as one JSON-ready dict (--quick: a small problem, seconds)."""
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
    from artimap.synth.corpus import generate_corpus
    from artimap.tasks.phone2face.bases import bases_table

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
