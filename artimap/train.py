"""The training loop: one function, `train(task, cfg, run_dir)`, readable top to bottom.

A small per-task object (see `Task`) supplies the model, the datasets and the loss; the loop
does the rest: device choice, mixed precision on CUDA, data parallelism under torchrun, Adam,
early stopping, atomic checkpoints every epoch, exact resume, Ctrl-C safety, metrics.jsonl.
The run directory's files are described in `artimap.rundir`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from artimap import checkpoint, distributed, rundir
from artimap.checkpoint import TrainState, save_checkpoint
from artimap.config import to_dict
from artimap.distributed import Mean, autocast, seed_everything, shard_loader, to_device
from artimap.errors import ArtimapError
from artimap.interrupt import StopFlag, deferred_sigint
from artimap.models import MODELS, model_config
from artimap.schedule import lr_at
from artimap.train_config import TrainConfig, smoke

__all__ = ["Task", "TrainConfig", "smoke", "train"]


class Task(Protocol):
    """What a task supplies to `train`: a plain class with these members (no base class).

    Optional, used when present: `collate(items: list) -> batch` (the DataLoader's collate_fn),
    `batches(ds, batch_size, rank, world_size, seed, epoch) -> list[list[int]]` (this process's
    training batches for an epoch, e.g. grouped by length; deterministic in its arguments)
    `meta() -> dict` (saved in every checkpoint: normalisation statistics, inventories,
    decoder basis...; tensors, numpy arrays (stored as tensors) and plain values only) and
    `start(model)` (a fresh run's warm-up of the built model, before DDP and the optimiser).
    """

    model_name: str  # registry name in artimap.models.MODELS, recorded in checkpoints

    def build_model(self) -> torch.nn.Module:
        """A fresh (or basis-initialised) registry model; its `.config` dataclass is saved."""

    def datasets(self) -> tuple[Dataset, Dataset | None]:
        """(train, val) map-style datasets; val None = early stopping on the training loss."""

    def loss(self, model: torch.nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, float]]:
        """Scalar loss, and named extras to log (floats or 0-d tensors, same keys always)."""


def train(task: Task, cfg: TrainConfig, run_dir: str | Path, *, resume: bool = False,
          run_config: dict[str, Any] | None = None,
          allow_other_data: bool = False) -> TrainState:
    """Train `task`'s model, writing `run_dir`; returns the final progress.

    `resume=True` continues from run_dir/last.pt when it exists (else starts afresh), on the
    dataset it was trained on (the meta's `data_fingerprint`; another one only with
    `allow_other_data`). `run_config` (plain values, e.g. the data settings) is written into
    config.yaml too. The main process holds the run directory's writer lock throughout.
    """
    dist, device = distributed.setup(cfg.device)
    try:
        with rundir.writer_lock(Path(run_dir)) if dist.is_main else contextlib.nullcontext():
            return _train(task, cfg, Path(run_dir), resume, run_config, allow_other_data,
                          dist, device)
    finally:
        distributed.teardown(dist)


def _train(task, cfg, run_dir: Path, resume: bool, run_config, allow_other_data: bool, dist,
           device) -> TrainState:
    """`train` inside the writer lock."""
    run = _prepare(task, cfg, run_dir, resume, dist, device, allow_other_data)
    if dist.is_main:  # config.yaml, run.json; a resume drops metrics after its step
        model = {"name": task.model_name, "config": run.model_config}
        amp = str(run.amp_dtype).replace("torch.", "") if run.amp_dtype else "off"
        info = {"device": str(device), "world_size": dist.world_size, "amp": amp,
                "data_fingerprint": run.meta.get("data_fingerprint")}
        rundir.start(run.dir, {"train": to_dict(cfg), "model": model, **(run_config or {})},
                     info, resumed_at_step=run.state.step if resume and run.state.step else None)
    return _loop(run)


@dataclass
class Run:
    """Everything one training run works with (built once by `_prepare`)."""

    task: Task
    cfg: TrainConfig
    dir: Path
    dist: distributed.DistInfo
    device: torch.device
    model: torch.nn.Module  # the unwrapped model (saved, validated)
    net: torch.nn.Module  # what the training loss calls: the DDP wrapper under torchrun
    opt: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    amp_dtype: torch.dtype | None  # autocast type; None = full precision
    state: TrainState
    train_ds: Dataset
    val_ds: Dataset | None
    meta: dict[str, Any]  # task meta, checkpoint-ready
    model_config: dict[str, Any]  # model.config as a plain dict
    stop: StopFlag = dataclasses.field(default_factory=StopFlag)  # set by a deferred Ctrl-C
    stepping: bool = False  # True from a step's forward pass (BatchNorm, dropout) to its counter
    total_steps: int = 0  # optimiser steps of the whole run (`_total_steps`), set once


def _check_start(task: Task, cfg: TrainConfig, dist, last: Path, resume: bool) -> None:
    if cfg.batch_size % dist.world_size:
        raise ArtimapError(f"batch_size: {cfg.batch_size} does not split over "
                           f"{dist.world_size} processes; use a multiple of {dist.world_size}")
    if last.exists() and not resume:
        raise ArtimapError(f"{last.parent}: already holds a training run (last.pt); resume it "
                           "or use a new run dir")
    if task.model_name not in MODELS:
        warnings.warn(f"model_name {task.model_name!r} is not in artimap.models.MODELS: "
                      "load_model cannot rebuild this run's checkpoints", stacklevel=4)


def _prepare(task, cfg, run_dir, resume, dist, device, allow_other_data=False) -> Run:
    """Build model, optimiser and scaler; restore them from last.pt when resuming."""
    last = run_dir / "last.pt"
    _check_start(task, cfg, dist, last, resume)
    seed_everything(cfg.seed)  # same seed everywhere: identical initial weights on every process
    model = task.build_model().to(device)
    if hasattr(task, "start") and not (resume and last.exists()):
        task.start(model)  # optional: a fresh run's warm-up before the optimiser exists
    train_ds, val_ds = task.datasets()
    if len(train_ds) == 0:
        raise ArtimapError("training set is empty; check the data split")
    meta = checkpoint.to_plain(task.meta() if hasattr(task, "meta") else {}, "task meta")
    amp_dtype = distributed.amp_dtype(cfg.amp, cfg.amp_dtype, device)
    run = Run(
        task=task, cfg=cfg, dir=run_dir, dist=dist, device=device, model=model,
        net=model if not dist.enabled else torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None),
        opt=torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay),
        scaler=torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16),
        amp_dtype=amp_dtype, state=TrainState(), train_ds=train_ds, val_ds=val_ds,
        meta=meta, model_config=model_config(model),
    )
    run.total_steps = _total_steps(run)
    saved_rng = None
    if resume and last.exists():
        current = run.meta.pop("data_fingerprint", None)  # restored: the saved run's
        run.state, saved_rng = checkpoint.restore_training(last, model, run.opt, run.scaler,
                                                           task.model_name, run.meta)
        _check_resumed_data(run, current, allow_other_data)
    if saved_rng is not None and dist.is_main:
        checkpoint.set_rng_state(saved_rng)
    else:  # only the main process's generators are saved; dropout differs between processes
        seed_everything(cfg.seed + 1 + dist.rank + 7919 * run.state.step)
    return run


def _check_resumed_data(run: Run, current: str | None, allow: bool) -> None:
    """A resumed run continues on the dataset it was trained on (same fingerprint)."""
    saved = run.meta.get("data_fingerprint")
    if current is not None:
        run.meta["data_fingerprint"] = current
    if current is None or saved is None or saved == current:
        return
    if not allow:
        raise ArtimapError(
            f"{run.dir}: last.pt was trained on dataset {saved} but the run's data is now "
            f"{current} (prepared again or edited since); resume with the data it was trained "
            "on, start a new run directory, or pass --allow-other-data to continue anyway")
    warnings.warn(f"{run.dir}: resuming on another dataset ({current}, trained on {saved}): "
                  "--allow-other-data", stacklevel=4)


def _loop(run: Run) -> TrainState:
    """Epochs until done: train, validate, early-stop bookkeeping, checkpoints, metrics."""
    bar = tqdm(total=run.total_steps, initial=run.state.step, unit="step",
               disable=not (run.dist.is_main and run.cfg.progress))
    # under torchrun every process gets the signal at its own step: stop where it lands
    with deferred_sigint(enabled=not run.dist.enabled) as run.stop:
        try:
            while not _finished(run):
                t0 = time.perf_counter()
                train_avg, complete = _train_epoch(run, bar)
                if run.stop.requested and not complete:
                    raise KeyboardInterrupt
                val_avg = _validate(run)
                _end_of_epoch(run, bar, train_avg, val_avg, complete, time.perf_counter() - t0)
                if run.stop.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            _save_interrupted(run, bar)
            raise
        except Exception as e:  # loader workers killed by the same Ctrl-C (the terminal's
            if not run.stop.requested:  # SIGINT reaches them too) fail the next batch
                raise
            _save_interrupted(run, bar)
            raise KeyboardInterrupt from e
        finally:
            bar.close()
    distributed.barrier(run.dist)
    return run.state


def _save_interrupted(run: Run, bar: tqdm) -> None:
    """Save last.pt after Ctrl-C, unless the interrupt cut an optimiser update in half."""
    if not run.dist.is_main:
        return
    if run.stop.forced or run.stepping:  # inside a step: last.pt keeps the previous boundary
        bar.write(f"interrupted mid-step: {run.dir / 'last.pt'} keeps the last saved step")
        return
    save_checkpoint(run.dir / "last.pt", _checkpoint(run, resumable=True))
    bar.write(f"interrupted: resumable checkpoint saved to {run.dir / 'last.pt'} at step "
              f"{run.state.step}")


def _train_epoch(run: Run, bar: tqdm) -> tuple[dict[str, float], bool]:
    """Train until the epoch ends or max_steps is reached; returns (mean values, complete)."""
    cfg, state = run.cfg, run.state
    loader, n_batches = _loader(run, run.train_ds, state.epoch, state.batch_in_epoch, True)
    run.net.train()
    mean = Mean()
    for batch in loader:
        loss, extras = _step(run, batch)
        mean.add({"loss": loss, **extras})
        state.step += 1
        state.batch_in_epoch += 1
        run.stepping = False
        bar.update(1)
        if state.step % max(cfg.log_every, 1) == 0:
            bar.set_postfix(loss=f"{float(loss):.4g}")
        if (cfg.max_steps > 0 and state.step >= cfg.max_steps) or run.stop.requested:
            break
    return mean.result(run.dist, run.device), state.batch_in_epoch >= n_batches


def _step(run: Run, batch: Any) -> tuple[torch.Tensor, dict[str, Any]]:
    """One optimiser step on one batch; returns the detached loss and the task's extras."""
    batch = to_device(batch, run.device)
    run.stepping = True
    with autocast(run.device, run.amp_dtype):
        loss, extras = run.task.loss(run.net, batch)
    run.opt.zero_grad(set_to_none=True)
    if run.cfg.lr_schedule != "constant":
        lr = lr_at(run.cfg.lr_schedule, run.cfg.lr, run.state.step, run.total_steps,
                   run.cfg.lr_warmup)
        for group in run.opt.param_groups:
            group["lr"] = lr
    run.scaler.scale(loss).backward()
    if run.cfg.grad_clip > 0:
        run.scaler.unscale_(run.opt)  # clip the true gradients, not the scaled ones
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), run.cfg.grad_clip)
    run.scaler.step(run.opt)
    run.scaler.update()
    return loss.detach(), extras


@torch.no_grad()
def _validate(run: Run) -> dict[str, float] | None:
    """Mean validation loss (and extras) over all processes; None without a validation set."""
    if run.val_ds is None or len(run.val_ds) == 0:
        return None
    loader, _ = _loader(run, run.val_ds, 0, 0, False)
    run.model.eval()
    mean = Mean()
    for batch in loader:
        with autocast(run.device, run.amp_dtype):
            loss, extras = run.task.loss(run.model, to_device(batch, run.device))
        mean.add({"loss": loss.detach(), **extras})
    return mean.result(run.dist, run.device)


def _end_of_epoch(run, bar, train_avg, val_avg, complete: bool, seconds: float) -> None:
    """Early-stopping bookkeeping, best/last checkpoints and the metrics line."""
    state = run.state
    epoch_no = state.epoch + 1  # 1-based number of the epoch this evaluation closes or cuts
    if complete:
        state.epoch, state.batch_in_epoch = state.epoch + 1, 0
    improved = _early_stopping(run, (val_avg or train_avg).get("loss"), epoch_no, complete)
    if not run.dist.is_main:
        return
    if improved:
        save_checkpoint(run.dir / "best.pt", _checkpoint(run, resumable=False))
    if not complete or state.epoch % max(run.cfg.save_every, 1) == 0 or _finished(run):
        save_checkpoint(run.dir / "last.pt", _checkpoint(run, resumable=True))
    row = rundir.metrics_row(epoch_no, state.step, complete, train_avg, val_avg, state.best_val,
                             seconds)
    rundir.append_metrics(run.dir, row)
    bar.write(f"{run.dir.name}: {rundir.summary(row)}" + (" *" if improved else ""))


def _early_stopping(run: Run, score: float | None, epoch_no: int, complete: bool) -> bool:
    """Update best loss and patience counter from `score`; True when it improved."""
    state = run.state
    if score is not None and not math.isfinite(score):
        raise ArtimapError(f"training diverged at step {state.step} (loss {score}); lower lr, "
                           "set grad_clip, or check the data for NaN")
    improved = score is not None and score < state.best_val - run.cfg.min_delta
    if improved:
        state.best_val, state.best_epoch, state.bad_epochs = score, epoch_no, 0
    elif complete:  # a max_steps cut is not a full epoch: it does not count against patience
        state.bad_epochs += 1
    return improved


def _checkpoint(run: Run, resumable: bool) -> dict[str, Any]:
    """best.pt: the model part only; last.pt (resumable): plus optimiser, scaler and RNG."""
    ckpt = checkpoint.build_checkpoint(run.task.model_name, run.model_config, run.model,
                                       run.meta, run.state, to_dict(run.cfg))
    if resumable:
        ckpt.update(optimizer=run.opt.state_dict(), scaler=run.scaler.state_dict(),
                    rng=checkpoint.rng_state())
    return ckpt


def _loader(run: Run, ds: Dataset, epoch: int, skip: int, shuffle: bool):
    """This process's loader for `ds` in `epoch` after `skip` batches, and batches per epoch."""
    per_process = run.cfg.batch_size // run.dist.world_size
    make_batches = getattr(run.task, "batches", None)
    batches = None
    if make_batches is not None and shuffle:  # training only; validation order is fixed
        batches = make_batches(ds, per_process, run.dist.rank, run.dist.world_size,
                               run.cfg.seed, epoch)
    return shard_loader(
        ds, per_process, run.dist, seed=run.cfg.seed, epoch=epoch,
        skip=skip, shuffle=shuffle, num_workers=run.cfg.num_workers,
        collate=getattr(run.task, "collate", None), pin_memory=run.device.type == "cuda",
        batches=batches,
    )


def _finished(run: Run) -> bool:
    s, c = run.state, run.cfg
    stopped_early = c.patience > 0 and s.bad_epochs >= c.patience
    return s.epoch >= c.epochs or (c.max_steps > 0 and s.step >= c.max_steps) or stopped_early


def _total_steps(run: Run) -> int:
    """Steps of the run: batches per epoch of training's own loader x epochs, max_steps cap."""
    _, per_epoch = _loader(run, run.train_ds, 0, 0, True)  # draws no random numbers
    total = per_epoch * run.cfg.epochs
    return min(total, run.cfg.max_steps) if run.cfg.max_steps > 0 else total
