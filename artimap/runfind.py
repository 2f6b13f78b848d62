"""Find the run directories under a path and group them the way an experiment does.

A run directory is one `artimap train` wrote: a config.yaml with a `task` and an `experiment`
section. PATH may be one run directory or any folder above some (an experiment's OUT folder,
the demo's output): every run below it is found. Runs are grouped per task, then per row name
(the config's `name`), seeds sorted, into the dict `artimap.experiment.experiment_info` gives
to a task's `summarise`, so reports and summaries read the same structure. Runs scored on
different prepared datasets (their fingerprints) are never averaged together: each dataset
gets its own group, `"TASK [data FINGERPRINT]"`, with a warning.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from artimap.config import read_yaml
from artimap.errors import ArtimapError
from artimap.rundir import read_eval

MAX_DEPTH = 6  # run dirs lie at most this deep below PATH (OUT/<row>/seed<k> is 2)


@dataclass
class Run:
    """One run directory and what a report needs to know about it."""

    dir: Path
    task: str
    name: str  # row name (the config's `name`), else the folder name
    seed: int
    config: dict[str, Any] = field(repr=False)  # config.yaml content

    @cached_property
    def metrics(self) -> dict | None:
        """eval/metrics.json (the test split), or None when the run was not evaluated."""
        return read_eval(self.dir)

    @property
    def data(self) -> str | None:
        """Fingerprint of the prepared dataset the run's numbers come from: the one its test
        evaluation scored, else the one it was trained on (None for runs older than both)."""
        scored = ((self.metrics or {}).get("data") or {}).get("fingerprint")
        return scored or self.info.get("data_fingerprint")

    @cached_property
    def info(self) -> dict[str, Any]:
        """run.json (git commit, versions, start time); {} when absent."""
        path = self.dir / "run.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def read_run(run_dir: Path) -> Run | None:
    """The Run of `run_dir`, or None when it is not a run directory of a known layout."""
    path = run_dir / "config.yaml"
    if not path.is_file():
        return None
    data = read_yaml(path)
    if not isinstance(data, dict) or "task" not in data or "experiment" not in data:
        return None
    exp = data["experiment"] or {}
    seed = (data.get("train") or {}).get("seed", 0)
    return Run(run_dir, str(data["task"]), str(exp.get("name") or run_dir.name), int(seed), data)


def find_runs(path: str | Path) -> list[Run]:
    """Every run directory at or below `path` (sorted by path); an error when there is none."""
    path = Path(path)
    if not path.is_dir():
        raise ArtimapError(f"{path}: no such folder; give a run directory or an experiment's "
                           "output folder")
    found = []
    for cfg in sorted(path.rglob("config.yaml")):
        if len(cfg.relative_to(path).parts) - 1 <= MAX_DEPTH:
            run = read_run(cfg.parent)
            if run is not None:
                found.append(run)
    if not found:
        raise ArtimapError(f"{path}: no run directory found (none of the config.yaml files "
                           "below it was written by `artimap train`)")
    return found


def group(runs: list[Run]) -> dict[str, dict[str, Any]]:
    """{task, or "task [data FP]" when its runs used several datasets: experiment dict}:
    "task", "data" (fingerprint), "runs": [{"name", "seeds", "run_dirs"}] in order of first
    appearance, seeds ascending."""
    datasets: dict[str, list[str | None]] = {}
    for run in runs:
        seen = datasets.setdefault(run.task, [])
        if run.data not in seen:
            seen.append(run.data)
    for task, seen in datasets.items():
        if len(seen) > 1:
            warnings.warn(f"{task} runs were scored on {len(seen)} different prepared datasets "
                          f"({', '.join(str(s) for s in seen)}); each is reported apart",
                          stacklevel=2)
    out: dict[str, dict[str, Any]] = {}
    for run in runs:
        key = run.task if len(datasets[run.task]) == 1 else f"{run.task} [data {run.data}]"
        exp = out.setdefault(key, {"task": run.task, "data": run.data, "runs": [],
                                   "seeds": []})
        row = next((r for r in exp["runs"] if r["name"] == run.name), None)
        if row is None:
            row = {"name": run.name, "seeds": [], "run_dirs": [], "model": ""}
            exp["runs"].append(row)
        row["seeds"].append(run.seed)
        row["run_dirs"].append(str(run.dir))
        row["model"] = str((run.config.get("model") or {}).get("name", ""))
    for exp in out.values():
        for row in exp["runs"]:
            order = sorted(range(len(row["seeds"])), key=row["seeds"].__getitem__)
            row["seeds"] = [row["seeds"][i] for i in order]
            row["run_dirs"] = [row["run_dirs"][i] for i in order]
        exp["seeds"] = sorted({s for row in exp["runs"] for s in row["seeds"]})
    return out


def first_eval_npz(run: dict, name: str) -> dict | None:
    """The arrays of eval/`name` (e.g. samples.npz) of a row's first seed that has the file,
    `run` being one row of `group`'s "runs"; None when no seed has it."""

    for d in run["run_dirs"]:
        path = Path(d) / "eval" / name
        if path.is_file():
            with np.load(path) as z:
                return {k: z[k] for k in z.files}
    return None
