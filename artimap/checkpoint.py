"""Checkpoint files: everything needed to rebuild a model, and to resume its training.

A checkpoint is a `torch.save`d dict of tensors and plain Python values only, so it loads with
`torch.load(weights_only=True)` (no pickled classes, no code execution):

    format: "artimap-checkpoint"; version: 1
    model: {name: registry name, config: plain dict, state_dict: unwrapped weights}
    meta: what the task saved (normalisation statistics, phone inventory, decoder basis...)
    state: TrainState as a dict (epoch, batch_in_epoch, step, best_val, best_epoch, bad_epochs)
    train_config: the TrainConfig as a plain dict; git_commit; torch_version
    # resumable checkpoints (last.pt) also hold:
    optimizer, scaler: state dicts; rng: torch / cuda / numpy / python generator states
"""

from __future__ import annotations

import dataclasses
import functools
import io
import random
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from artimap.errors import file_error
from artimap.fsutil import atomic_path

FORMAT = "artimap-checkpoint"
VERSION = 1


@dataclass
class TrainState:
    """Progress of a training run; saved in every checkpoint."""

    epoch: int = 0  # epochs completed
    batch_in_epoch: int = 0  # batches done in the epoch in progress (> 0 after a mid-epoch stop)
    step: int = 0  # optimiser steps done
    best_val: float = float("inf")  # lowest validation loss so far
    best_epoch: int = 0  # epoch (1-based) of the lowest validation loss; 0 before any
    bad_epochs: int = 0  # consecutive epochs without improvement (early stopping counter)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainState:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the source tree artimap runs from ("+dirty" if modified), else 'unknown'.

    Looked up once per process (the source does not change under a running job)."""
    src = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=src, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=src, capture_output=True, text=True, timeout=10,
        )
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def rng_state() -> dict[str, Any]:
    """Generator states of torch, CUDA, numpy and random, as tensors and plain values."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "python": random.getstate(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `rng_state` captured."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    n = state["numpy"]
    keys = n["keys"].numpy().astype(np.uint32)
    np.random.set_state((n["kind"], keys, n["pos"], n["has_gauss"], n["gauss"]))
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))


def build_checkpoint(
    model_name: str,
    model_config: dict[str, Any],
    model: torch.nn.Module,
    meta: dict[str, Any],
    state: TrainState,
    train_config: dict[str, Any],
) -> dict[str, Any]:
    """The model part of a checkpoint (what `load_model` needs), from an unwrapped model."""
    weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": {"name": model_name, "config": model_config, "state_dict": weights},
        "meta": meta,
        "state": state.to_dict(),
        "train_config": train_config,
        "git_commit": git_commit(),
        "torch_version": str(torch.__version__),
    }


def save_checkpoint(path: str | Path, ckpt: dict[str, Any]) -> None:
    """Write `ckpt` atomically: a reader never sees a half-written file."""
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)


def read_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with `weights_only=True`; errors name the file and the fix. The file
    is read from disk once: its CRC check and torch.load share the bytes."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "checkpoint not found", "Pass a run's best.pt or last.pt")
    raw = path.read_bytes()
    check_integrity(path, raw)
    try:
        ckpt = torch.load(io.BytesIO(raw), map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises many types for corrupt or foreign files
        raise file_error(
            path, f"cannot read as a checkpoint ({type(e).__name__}: {e})",
            "Point to a best.pt or last.pt written by artimap training",
        ) from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise file_error(path, "not an artimap checkpoint", "Point to a run's best.pt or last.pt")
    if ckpt.get("version", 0) > VERSION:
        raise file_error(
            path, f"checkpoint version {ckpt['version']} is newer than this artimap ({VERSION})",
            "Upgrade artimap",
        )
    return ckpt


def check_integrity(path: Path, raw: bytes | None = None) -> None:
    """Verify the CRC-32 of every record in the checkpoint's zip container (`raw`: the file's
    bytes when already read; errors name `path`).

    torch.load does not check them, so flipped bytes inside a tensor would load (and resume)
    silently; a damaged file is an error naming it."""
    try:
        with zipfile.ZipFile(path if raw is None else io.BytesIO(raw)) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error,
            NotImplementedError, RuntimeError) as e:
        # a damaged zip directory reads as an unsupported compression method or version
        # (NotImplementedError) or an encrypted record (RuntimeError)
        raise file_error(path, f"damaged or not a checkpoint ({e})",
                         "Use another checkpoint (best.pt / last.pt) or retrain") from e
    if bad is not None:
        raise file_error(path, f"damaged: record {bad!r} fails its CRC check",
                         "The file was corrupted on disk or in transfer; use another checkpoint "
                         "(best.pt / last.pt) or retrain") from None


def load_into(path: Path, ckpt: dict[str, Any], model: torch.nn.Module) -> None:
    """Copy the checkpoint's weights into `model`; a mismatch is an error naming the file."""
    try:
        model.load_state_dict(ckpt["model"]["state_dict"])
    except RuntimeError as e:
        raise file_error(
            path, f"weights do not fit the model ({str(e).splitlines()[0]})",
            "The model config changed since this checkpoint was written; "
            "use the run's own config or start a new run directory",
        ) from e


def restore_training(
    path: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    model_name: str,
    meta: dict[str, Any] | None = None,
) -> tuple[TrainState, dict[str, Any]]:
    """Load a resumable checkpoint into model, optimiser and scaler; returns (state, rng).

    `meta` (the task's meta of the resumed run), if given, gets the saved meta's keys it lacks:
    records of a fresh run's warm-up (e.g. `lip_pretrain`) stay in later checkpoints."""
    ckpt = read_checkpoint(path)
    if "optimizer" not in ckpt:
        raise file_error(path, "holds weights only, no training state", "Resume from last.pt")
    if ckpt["model"]["name"] != model_name:
        raise file_error(
            path, f"was written for model {ckpt['model']['name']!r}, not {model_name!r}",
            "Resume with the same model or start a new run directory",
        )
    load_into(path, ckpt, model)
    optimizer.load_state_dict(ckpt["optimizer"])
    if ckpt["scaler"] and scaler.is_enabled():  # a CPU run saved no scaler state
        scaler.load_state_dict(ckpt["scaler"])
    if meta is not None:
        meta.update({k: v for k, v in (ckpt.get("meta") or {}).items() if k not in meta})
    return TrainState.from_dict(ckpt["state"]), ckpt["rng"]


def to_plain(value: Any, where: str = "meta") -> Any:
    """Copy of `value` with numpy arrays/scalars turned into tensors/Python numbers.

    Raises TypeError naming the first value `torch.load(weights_only=True)` could not read.
    """
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        items = [to_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, (str, int)):
                raise TypeError(f"{where}: key {k!r} is not a str or int")
            out[k] = to_plain(v, f"{where}[{k!r}]")
        return out
    raise TypeError(
        f"{where} is a {type(value).__name__}; checkpoints hold only tensors and plain Python "
        "values (lists, dicts, numbers, strings)"
    )
