"""`artimap bench lip2tongue`: training speed of the lip2tongue model on CPU, with the full
data pipeline against the model alone (the models' inference speed is `artimap bench
l2t_models`).

A tiny virtual talker corpus is generated and prepared (96 x 96 lips, 128 x 64 ultrasound) in a
temporary folder; the same TS-CNN-LSTM trains on batches from `Lip2TongueDataset` + `DataLoader`
(memory-mapped arrays, one process) and on one batch already in memory, interleaved step by
step. `pipeline_overhead` = pipeline time / model-only time - 1 (goal <= 0.10).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from artimap.bench.timing import compare, time_once
from artimap.config import build_config
from artimap.data.lip2tongue.prepare import prepare
from artimap.parallel import torch_threads
from artimap.synth.corpus import generate_corpus
from artimap.tasks.lip2tongue.task import ExperimentConfig, make_task

THREADS = 2


def _prepared(root: Path) -> Path:
    """A tiny talker corpus, prepared for lip2tongue at the paper's sizes."""

    generate_corpus(root / "corpus", "tiny", seed=0, progress=False)
    prepare(root / "corpus", root / "prepared", workers=1)
    return root / "prepared"


def _task(data: Path, batch: int, quick: bool):
    overrides = [f"data={data}", f"train.batch_size={batch}"]
    if quick:
        overrides.append("model_config.tower_downsample=stride")
    return make_task(build_config(ExperimentConfig, {}, overrides))


def training_throughput(data: Path, batch: int, steps: int, quick: bool) -> dict[str, Any]:
    """Samples/s of training steps with the data pipeline and with in-memory batches."""

    task = _task(data, batch, quick)
    model = task.build_model().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    train, _ = task.datasets()
    loader = DataLoader(train, batch_size=batch, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(0))

    def batches() -> Iterator[dict]:  # epoch after epoch: a tiny set may hold few batches
        while True:
            yield from loader

    stream = batches()

    def step(b: dict) -> None:
        loss, _ = task.loss(model, b)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    memory = next(stream)  # the model-only batch: already decoded tensors
    # interleaved: both see the same machine load
    timed = compare({"pipeline": lambda: step(next(stream)), "model_only": lambda: step(memory)},
                    rounds=steps, warmup=1, baseline="model_only")
    t_pipe, t_only = timed["pipeline"].median_s, timed["model_only"].median_s
    return {"train_batch": batch, "train_steps": steps,
            "train_samples_per_s_pipeline": batch / t_pipe,
            "train_samples_per_s_model_only": batch / t_only,
            "pipeline_overhead": timed.ratio("pipeline") - 1.0,
            "data_ms_per_batch": 1e3 * (t_pipe - t_only)}


def bench_lip2tongue(args: Any) -> dict[str, Any]:
    """lip2tongue training throughput as one flat dict (`args.quick`: a smaller problem)."""
    quick = bool(getattr(args, "quick", False))
    out: dict[str, Any] = {"bench": "lip2tongue", "threads": THREADS, "quick": quick}
    with torch_threads(THREADS), tempfile.TemporaryDirectory(prefix="artimap-l2t-bench-") as tmp:
        prepared = time_once(lambda: _prepared(Path(tmp)))
        data, out["prepare_tiny_s"] = prepared.value, prepared.min_s
        out.update(training_throughput(data, 8 if quick else 32, 2 if quick else 5, quick))
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}
