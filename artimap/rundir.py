"""A training run directory (self-describing; only the main process writes):

    config.yaml     resolved settings: train (TrainConfig), model (name, config), + run_config
    run.json        git commit, torch version, device, world size, start and resume times
    last.pt         resumable checkpoint (weights, optimiser, scaler, RNG, progress)
    best.pt         weights at the lowest validation loss (loadable by artimap.models.load_model)
    metrics.jsonl   one JSON object per evaluation (end of epoch, or a max_steps stop)

This module writes and reads the non-checkpoint files (checkpoints: artimap.checkpoint). After
a resume, metrics rows logged after the resumed checkpoint are dropped: the log never repeats.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
import yaml

from artimap.checkpoint import git_commit
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_json, atomic_write_text, disk_full_error, is_disk_full

METRICS = "metrics.jsonl"
LOCK = "train.lock"  # present while a training writes the folder: {"pid", "host", "started"}


@contextlib.contextmanager
def writer_lock(run_dir: Path) -> Iterator[None]:
    """Hold run_dir/train.lock while a training writes the folder: a second writer is refused
    (one line naming the process that holds it); the lock of a process that no longer runs on
    this host is taken over with a warning."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK
    for attempt in (0, 1):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            holder = _lock_holder(path)
            if attempt or _alive(holder):
                raise ArtimapError(
                    f"{run_dir}: another training is writing this run directory (process "
                    f"{holder.get('pid', '?')} on {holder.get('host', '?')}, started "
                    f"{holder.get('started', '?')}); wait for it to finish, or train into "
                    f"another --out. If that process is gone, delete {path}") from None
            warnings.warn(f"{run_dir}: took over the lock of process {holder.get('pid', '?')}, "
                          "which is no longer running (a killed training)", stacklevel=3)
            path.unlink(missing_ok=True)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"pid": os.getpid(), "host": platform.node(),
                   "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, f)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _lock_holder(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}  # a lock half-written by a killed process: stale


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the lock's process still runs (a lock from another host is assumed live)."""
    if not isinstance(holder.get("pid"), int):
        return False
    if holder.get("host") != platform.node():
        return True
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(run_dir: Path, sections: dict[str, Any], info: dict[str, Any],
          resumed_at_step: int | None) -> None:
    """Write config.yaml and run.json; a resume also drops metrics logged after its step."""
    write_config(run_dir, sections)
    write_run_info(run_dir, info, resumed_at_step)
    if resumed_at_step is not None:
        trim_metrics(run_dir, resumed_at_step)


def write_config(run_dir: Path, sections: dict[str, Any]) -> None:
    """Write config.yaml: the resolved settings, one top-level section per part."""
    atomic_write_text(run_dir / "config.yaml", yaml.safe_dump(sections, sort_keys=False))


def write_run_info(run_dir: Path, info: dict[str, Any], resumed_at_step: int | None) -> None:
    """Write run.json (environment of the run); a resume appends to its `resumes` list."""
    path = run_dir / "run.json"
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    if resumed_at_step is not None and path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("resumes", []).append({"time": now, "step": resumed_at_step, **info})
    else:
        data = {
            "started": now,
            "git_commit": git_commit(),
            "torch_version": torch.__version__,
            "python": platform.python_version(),
            "host": platform.node(),
            **info,
        }
    atomic_write_json(path, data)


def append_metrics(run_dir: Path, row: dict[str, Any]) -> None:
    """Append one JSON line to metrics.jsonl."""
    try:
        with open(run_dir / METRICS, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    except OSError as e:  # a half line left by a full disk is dropped at resume (see _rows)
        if is_disk_full(e):
            raise disk_full_error(run_dir / METRICS, e) from e
        raise


def metrics_row(
    epoch: int, step: int, complete: bool, train: dict[str, float], val: dict[str, float] | None,
    best_val: float, seconds: float,
) -> dict[str, Any]:
    """One metrics.jsonl row: epoch (1-based), step, complete (False: cut by max_steps),
    train_<name> and val_<name> for the loss and every extra the task logged, best_val, seconds.
    """
    row: dict[str, Any] = {"epoch": epoch, "step": step, "complete": complete}
    row.update({f"train_{k}": v for k, v in train.items()})
    row.update({f"val_{k}": v for k, v in (val or {}).items()})
    row.update({"best_val": best_val, "seconds": round(seconds, 3)})
    return row


def summary(row: dict[str, Any]) -> str:
    """A one-line human summary of a metrics row."""
    def fmt(key: str) -> str:
        return f"{row[key]:.5g}" if key in row else "-"

    return (f"epoch {row['epoch']} step {row['step']} train {fmt('train_loss')} "
            f"val {fmt('val_loss')}")


def read_metrics(run_dir: str | Path) -> list[dict[str, Any]]:
    """The rows of a run's metrics.jsonl, oldest first ([] when there is none)."""
    return list(_rows(Path(run_dir) / METRICS))


def trim_metrics(run_dir: Path, step: int) -> None:
    """Drop rows logged after `step` (written after the checkpoint a resume starts from)."""
    path = run_dir / METRICS
    if not path.exists():
        return
    keep = [row for row in _rows(path) if row.get("step", 0) <= step]
    atomic_write_text(path, "".join(json.dumps(row) + "\n" for row in keep))


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of metrics.jsonl; a half-written last line (killed while appending) is skipped."""
    if not path.exists():
        return
    lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()
             if ln.strip()]
    for i, line in enumerate(lines):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                continue  # the run was stopped mid-write; resume rewrites the file without it
            raise ArtimapError(f"{path}: line {i + 1} is not JSON ({line[:60]!r}); delete "
                               "that line or the file (it is a log, not needed to resume)"
                               ) from None
        if isinstance(row, dict):
            yield row


def training_summary(run_dir: str | Path, state: dict[str, Any]) -> dict[str, Any]:
    """What evaluations report about training: best epoch, steps, best validation loss (None
    when there was none: JSON has no infinity), epochs logged and seconds spent."""
    rows = read_metrics(run_dir)
    best = state.get("best_val")
    return {"best_epoch": state.get("best_epoch"), "step": state.get("step"),
            "best_val": best if best is not None and math.isfinite(best) else None,
            "epochs": len(rows),
            "train_seconds": round(sum(r.get("seconds", 0.0) for r in rows), 3)}


def metrics_path(run_dir: str | Path, split: str = "test", data: str | None = None) -> Path:
    """Where the evaluation of `split` is written: eval/metrics.json for test, else
    eval/metrics_<split>.json; the evaluation on another prepared dataset (`evaluate --data`,
    fingerprint `data`) goes to eval/metrics_<split>_data-<data>.json."""
    if data is not None:
        return Path(run_dir) / "eval" / f"metrics_{split}_data-{data}.json"
    name = "metrics.json" if split == "test" else f"metrics_{split}.json"
    return Path(run_dir) / "eval" / name


def read_eval(run_dir: str | Path, split: str = "test") -> dict[str, Any] | None:
    """The evaluation of `split` (eval/metrics.json content), or None when the run was not
    evaluated on it."""
    path = metrics_path(run_dir, split)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def first_with_references(experiment: dict[str, Any],
                          read: Callable[[str], dict[str, Any] | None] = read_eval,
                          ) -> dict[str, Any] | None:
    """The evaluation of the first run whose test metrics have a non-empty "references"
    section, in the order of `experiment`'s rows and their run_dirs (the dict
    artimap.runfind.group gives); `read` gives a run dir's evaluation (a cache may stand in
    for read_eval). None when no run has references."""
    for row in experiment.get("runs", []):
        for d in row.get("run_dirs", []):
            m = read(d)
            if m and m.get("references"):
                return m
    return None
