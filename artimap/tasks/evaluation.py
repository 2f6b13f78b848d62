"""Evaluate a trained run: dispatch to its task's `evaluate_run` (the task is read from the
run's config.yaml). Writes RUN_DIR/eval/metrics.json (test split; other splits write
metrics_<split>.json, so they never stand in for the test result) and returns its content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from artimap.data.common import SPLITS
from artimap.errors import ArtimapError
from artimap.tasks.registry import get_task_module, run_task_name


def evaluate(run_dir: str | Path, split: str = "test", allow_other_data: bool = False,
             data: str | Path | None = None, **options: Any) -> dict:
    """Metrics of the run in `run_dir` on `split`; `options` go to the task (those it takes,
    e.g. lip2tongue's max_frames; None values are left out). `allow_other_data` scores a
    dataset whose fingerprint is not the one the run was trained on, `data` another prepared
    folder (e.g. another speaker's); both are recorded in the result."""
    if split not in SPLITS:
        raise ArtimapError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    task = run_task_name(run_dir)
    module = get_task_module(task)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(module.EVAL_OPTIONS))
    if unknown:
        raise ArtimapError(f"{task} evaluation has no option {', '.join(unknown)}")
    return module.evaluate_run(Path(run_dir), split, allow_other_data=allow_other_data,
                               data=data, **given)
