"""The evaluation of a trained run, whatever its task: one skeleton, the task fills in its part.

`evaluate_with` loads the run (config.yaml) and its best checkpoint on the GPU when there is
one (read once: the check that the prepared data still has the run's settings uses its meta),
lets the task predict and score (`score(run, split)` returns the task's sections of
metrics.json: "metrics", "units", settings, sample counts...), adds what every evaluation
reports (task, run, checkpoint, split, training summary, seconds) and writes
eval/metrics.json (test split) or eval/metrics_<split>.json atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from artimap.data.prepared import Prepared, check_same_data
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_json
from artimap.models import load_model
from artimap.rundir import metrics_path, training_summary
from artimap.tasks.registry import best_checkpoint, load_run


@dataclass
class LoadedRun:
    """A trained run ready to evaluate."""

    dir: Path  # the run directory
    cfg: Any  # its ExperimentConfig (the task's dataclass)
    checkpoint: Path  # best.pt, else last.pt
    model: Any  # torch.nn.Module in eval mode on `device`
    meta: dict[str, Any]  # the checkpoint's meta (artimap.models.load_model)
    device: Any  # torch.device


def load_for_evaluation(run_dir: str | Path) -> LoadedRun:
    """The run's config and best checkpoint, on cuda if available, else cpu."""


    run_dir = Path(run_dir)
    _, cfg = load_run(run_dir)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    ckpt = best_checkpoint(run_dir)
    model, meta = load_model(ckpt, device)
    return LoadedRun(run_dir, cfg, ckpt, model, meta, device)


def evaluate_with(task: str, run_dir: str | Path, split: str,
                  score: Callable[[LoadedRun, str], dict[str, Any]],
                  allow_other_data: bool = False, data: str | Path | None = None
                  ) -> dict[str, Any]:
    """Evaluate `run_dir` on `split` with the task's `score`; writes and returns metrics.json.

    The run's prepared dataset must be the one it was trained on (same fingerprint; else an
    error, or with `allow_other_data` a warning and "data.other_data" true in metrics.json)
    and have the settings the model is tied to. `data` scores another prepared dataset (e.g.
    another speaker's) instead of the run's own: allowed, and said so in metrics.json."""
    t0 = time.perf_counter()
    run = load_for_evaluation(run_dir)
    if data is not None:
        run.cfg.data = str(Path(data).expanduser().resolve())
    prepared = Prepared.open(run.cfg.data, task)
    data_record = check_same_data(prepared, run.meta.get("data_fingerprint"), run.dir,
                                  allow_other_data or data is not None)
    check_data_matches_run(run.dir, run.meta.get("data"), prepared.settings)
    result: dict[str, Any] = {"task": task, "run": str(run.dir), "split": split,
                              "checkpoint": run.checkpoint.name, "data": data_record}
    result.update(score(run, split))
    result["training"] = training_summary(run.dir, run.meta.get("state", {}))
    result["seconds"] = round(time.perf_counter() - t0, 3)
    other = data_record["fingerprint"] if data is not None else None
    atomic_write_json(metrics_path(run.dir, split, other), result)
    return result


# prepared-data settings a model is tied to (input crop size, target shape and kind, flow)
_TIED = ("image_size", "target_size", "target", "flow", "fps")


def check_data_matches_run(run_dir: Path, data: Any, settings: dict[str, Any]) -> None:
    """The dataset's prepare `settings` must be those the model was trained on, even with
    --allow-other-data (a model cannot read another crop or target size); `data`: the "data"
    entry of the checkpoint's meta (lip2tongue: the settings the model is tied to)."""
    if not isinstance(data, dict):
        return
    for key in _TIED:
        if key in data and key in settings and _plain(settings[key]) != _plain(data[key]):
            raise ArtimapError(
                f"{data.get('prepared')}: prepared with {key}={_plain(settings[key])} but the "
                f"run {run_dir} was trained on {key}={_plain(data[key])}; prepare the data "
                f"again with the run's {key} (into another folder), or train a new run on it")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value
