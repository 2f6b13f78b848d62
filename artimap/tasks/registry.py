"""The task registry and the life cycle of one run, whatever its task.

TASKS maps a task name to its package (a `artimap.tasks.protocol.TaskModule`). A run directory
written by `train_run` holds, besides what `artimap.train` writes, the task name and the whole
ExperimentConfig in config.yaml (sections `task` and `experiment`), so evaluate and predict need
only the run directory.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from artimap.config import OverrideError, apply_overrides, build_config, read_yaml, to_dict
from artimap.errors import ArtimapError
from artimap.tasks.init_from import InitFromTask
from artimap.tasks.protocol import TaskModule
from artimap.train import train

TASKS: dict[str, str] = {
    "lip2tongue": "artimap.tasks.lip2tongue",
    "phone2face": "artimap.tasks.phone2face",
    "audio2tongue": "artimap.tasks.audio2tongue",
    "audio2face": "artimap.tasks.audio2face",
}


def get_task_module(name: str) -> TaskModule:
    """The module of task `name`; an unknown name lists the valid ones."""
    if name not in TASKS:
        raise ArtimapError(f"unknown task {name!r}; valid tasks: {', '.join(sorted(TASKS))}")
    return importlib.import_module(TASKS[name])  # type: ignore[return-value]


def resolve_config(
    data: dict[str, Any], overrides: list[str] | tuple[str, ...] = (), source: str = ""
) -> tuple[TaskModule, Any]:
    """(task module, its ExperimentConfig) from a partial config dict and dotted overrides.

    The task is named by the `task` key (after overrides). Errors name `source` (a file).
    """
    where = f"{source}: " if source else ""
    task = apply_overrides(data, overrides).get("task")
    if not task:
        raise ArtimapError(f"{where}no 'task' key; add e.g. `task: lip2tongue` "
                           f"(valid tasks: {', '.join(sorted(TASKS))})")
    module = get_task_module(str(task))
    try:
        return module, build_config(module.ExperimentConfig, data, overrides)
    except OverrideError:  # names the --set flag, not the file
        raise
    except ArtimapError as e:
        raise ArtimapError(f"{where}{e}") from None


def load_config_file(
    path: str | Path, overrides: list[str] | tuple[str, ...] = ()
) -> tuple[TaskModule, Any]:
    """(task module, ExperimentConfig) of one run's YAML file plus dotted overrides."""
    return resolve_config(read_yaml(path), overrides, str(path))


def read_run_config(run_dir: str | Path) -> dict[str, Any]:
    """The config.yaml of a run directory written by `train_run`."""
    run_dir = Path(run_dir)
    path = run_dir / "config.yaml"
    if not path.is_file():
        raise ArtimapError(f"{run_dir}: not a run directory (no config.yaml); "
                           "train one with `artimap train CONFIG.yaml --out RUN_DIR`")
    data = read_yaml(path)
    if "task" not in data or "experiment" not in data:
        raise ArtimapError(f"{path}: has no task/experiment section; it was not written by "
                           "`artimap train` (retrain with it)")
    return data


def load_run(run_dir: str | Path) -> tuple[TaskModule, Any]:
    """(task module, ExperimentConfig) a run was trained with, from its config.yaml."""
    data = read_run_config(run_dir)
    return resolve_config(data["experiment"], source=str(Path(run_dir) / "config.yaml"))


def run_task_name(run_dir: str | Path) -> str:
    """The task a run directory was trained for."""
    return str(read_run_config(run_dir)["task"])


def train_run(module: TaskModule, cfg: Any, run_dir: str | Path, resume: bool = False,
              init_from: str | Path | None = None, freeze: str | None = None,
              allow_other_data: bool = False):
    """Train one run of `cfg` into `run_dir` (see artimap.train.train); returns its TrainState.

    A relative `cfg.data` is made absolute first so that the run directory stays usable from
    any working directory. `init_from` (a run directory) starts a new run from that run's best
    weights and keeps its normalisation; `freeze` names a parameter group to keep fixed
    (`artimap.tasks.init_from`); config.yaml records both (section `init_from`).
    `allow_other_data` lets a resumed run continue on a dataset other than its own.
    """

    if init_from is not None and resume:
        raise ArtimapError("--init-from starts a new run and cannot be combined with --resume; "
                           "resume the fine-tuning run without --init-from")
    if freeze is not None and init_from is None:
        raise ArtimapError(f"--freeze {freeze}: needs --init-from RUN_DIR (frozen weights must "
                           "come from a trained run)")
    cfg.data = str(Path(cfg.data).expanduser().resolve())
    task = module.make_task(cfg)
    run_config: dict[str, Any] = {"task": cfg.task, "experiment": to_dict(cfg)}
    if init_from is not None:
        task = InitFromTask(task, best_checkpoint(init_from), freeze)
        run_config["init_from"] = task.record()
    state = train(task, cfg.train, run_dir, resume=resume, run_config=run_config,
                  allow_other_data=allow_other_data)
    finish = getattr(task, "finish", None)  # a task's closed-form step after training
    if finish is not None and int(os.environ.get("RANK", "0")) == 0:  # one process writes
        finish(run_dir)
    return state


def best_checkpoint(run_dir: str | Path) -> Path:
    """run_dir/best.pt, else last.pt (a run stopped before its first validation)."""
    run_dir = Path(run_dir)
    for name in ("best.pt", "last.pt"):
        if (run_dir / name).is_file():
            return run_dir / name
    raise ArtimapError(f"{run_dir}: no best.pt or last.pt; train the run first "
                       "(`artimap train CONFIG.yaml --out RUN_DIR`)")
