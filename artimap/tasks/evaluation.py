"""Evaluate a trained run: dispatch to its task's `evaluate_run` (the task is read from the
run's config.yaml). Writes RUN_DIR/eval/metrics.json (test split; other splits write
metrics_<split>.json, so they never stand in for the test result) and returns its content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from artimap.data.common import SPLITS
from artimap.errors import ArtimapError
from artimap.tasks.registry import get_task_module, run_task_name


def evaluate(run_dir: str | Path, split: str = "test", **options: Any) -> dict:
    """Metrics of the run in `run_dir` on `split`; `options` go to the task (those it takes,
    e.g. lip2tongue's max_frames; None values are left out)."""
    if split not in SPLITS:
        raise ArtimapError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    task = run_task_name(run_dir)
    module = get_task_module(task)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(module.EVAL_OPTIONS))
    if unknown:
        raise ArtimapError(f"{task} evaluation has no option {', '.join(unknown)}")
    check_data_matches_run(Path(run_dir))
    return module.evaluate_run(Path(run_dir), split, **given)


# prepared-data settings a model is tied to (input crop size, target shape and kind, flow)
_TIED = ("image_size", "target_size", "target", "flow", "fps")


def check_data_matches_run(run_dir: Path) -> None:
    """The run's prepared dataset must still have the settings the model was trained on (it
    may have been prepared again since, e.g. at another image size)."""
    import json

    from artimap.checkpoint import read_checkpoint
    from artimap.tasks.registry import best_checkpoint

    data = read_checkpoint(best_checkpoint(run_dir))["meta"].get("data")
    if not isinstance(data, dict) or not data.get("prepared"):
        return
    manifest = Path(data["prepared"]) / "manifest.json"
    try:
        settings = json.loads(manifest.read_text(encoding="utf-8")).get("settings", {})
    except (OSError, ValueError):
        return  # a missing dataset is reported by the task with its own message
    for key in _TIED:
        if key in data and key in settings and _plain(settings[key]) != _plain(data[key]):
            raise ArtimapError(
                f"{manifest.parent}: prepared with {key}={_plain(settings[key])} but the run "
                f"{run_dir} was trained on {key}={_plain(data[key])}; prepare the data again "
                f"with the run's {key} (into another folder), or train a new run on it")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value
