"""Run an experiment file: every row config x every seed, then results.csv and summary.md.

Experiment file (e.g. configs/lip2tongue/paper.yaml):
    task: lip2tongue                 # picks the task module (artimap.tasks.TASKS)
    description: one line
    runs:                            # row configs, relative to this file; name defaults to the
      - {config: convlstm.yaml}      #   row's `name`, else the file stem; `smoke`: this row's
      - {config: ts_cnn_lstm_att.yaml, name: full, smoke: [aux_lip_pretrain_steps=2]}
                                     #   own overrides under --smoke, after the file's
    seeds: 1                         # seeds 0..K-1 per row (--seeds overrides)
    scale: [train.epochs=100]        # dotted overrides applied to every row (optional)
    smoke: [tiny=true, train.max_steps=2]   # applied with --smoke (tiny models, 2 steps)

Every row of every seed is resolved and checked (the task's ExperimentConfig, whose checks
include model_config against the model's typed config) before the first run starts, so a typo
in the last row fails before the first trains. Every run gets OUT/<row>/seed<k>/ (config
`experiment.yaml` resolved there, then the usual run directory). A run whose eval/metrics.json
exists is skipped, so rerunning the command finishes an interrupted experiment (an unfinished
run resumes from its last.pt). Runs go one after the other in this process, or `workers` at a
time as `python -m artimap train ... --evaluate` subprocesses with cores / workers torch
threads each (log in the run's train.log). Data paths in row configs are relative to the
working directory; `data` (--data) replaces them all. Finally the task writes OUT/results.csv
(one row per config x seed), OUT/summary.md and OUT/figures/ from the evaluated runs.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from artimap.config import read_yaml, to_dict
from artimap.data.prepared import is_prepared
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_text
from artimap.parallel import default_workers
from artimap.rundir import metrics_path, read_eval
from artimap.tasks.registry import get_task_module, resolve_config, train_run

KEYS = {"task", "description", "runs", "seeds", "smoke", "scale"}
RUN_KEYS = {"config", "name", "smoke"}  # keys of one entry of `runs`


@dataclass
class RunSpec:
    """One training run of an experiment."""

    name: str  # row name
    seed: int
    config: Any  # the task's resolved ExperimentConfig
    source: Path  # the row's YAML file
    dir: Path  # OUT/<name>/seed<seed>

    @property
    def done(self) -> bool:
        return metrics_path(self.dir).is_file()


def read_experiment(path: str | Path) -> dict[str, Any]:
    """Read and check an experiment file (see the module doc); returns its plain dict."""
    path = Path(path)
    exp = read_yaml(path)
    unknown = sorted(set(exp) - KEYS)
    if unknown:
        raise ArtimapError(f"{path}: unknown key(s) {', '.join(unknown)}; valid: {sorted(KEYS)}")
    if "task" not in exp:
        raise ArtimapError(f"{path}: no 'task' key; add e.g. `task: lip2tongue`")
    runs = exp.get("runs")
    if not isinstance(runs, list) or not runs or not all(
            isinstance(r, dict) and "config" in r and set(r) <= RUN_KEYS for r in runs):
        raise ArtimapError(f"{path}: 'runs' must be a non-empty list of {{config: FILE, "
                           "name: optional, smoke: optional overrides}} entries")
    for where, key in [(exp, "smoke"), (exp, "scale"), *((r, "smoke") for r in runs)]:
        if not isinstance(where.get(key, []), list):
            raise ArtimapError(f"{path}: '{key}' must be a list of key=value overrides")
    seeds = exp.get("seeds", 1)
    if not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1:
        raise ArtimapError(f"{path}: 'seeds' must be a whole number >= 1, got {seeds!r}")
    return {"description": "", "seeds": 1, "smoke": [], "scale": [], **exp}


def plan(path: str | Path, out: str | Path, seeds: int | None = None, smoke: bool = False,
         sets: list[str] | tuple[str, ...] = (), data: str | None = None):
    """(experiment dict, task module, [RunSpec]) with every row config resolved and checked."""

    path, out = Path(path), Path(out)
    exp = read_experiment(path)
    module = get_task_module(str(exp["task"]))
    overrides = [*exp["scale"], *(exp["smoke"] if smoke else [])]
    if data is not None:
        sets = [*sets, f"data={data}"]
    specs, names = [], set()
    for entry in exp["runs"]:
        source = path.parent / str(entry["config"])
        row = read_yaml(source)
        if row.setdefault("task", exp["task"]) != exp["task"]:
            raise ArtimapError(f"{source}: task {row['task']!r} differs from the experiment's "
                               f"{exp['task']!r}")
        name = str(entry.get("name") or row.get("name") or source.stem)
        if name in names:
            raise ArtimapError(f"{path}: two runs are named {name!r}; give one a `name:`")
        names.add(name)
        own = [*(entry.get("smoke", []) if smoke else []), *sets]  # the command line's last
        for seed in range(seeds or exp["seeds"]):
            extra = [*overrides, *own, f"name={name}", f"train.seed={seed}"]
            _, cfg = resolve_config(row, extra, str(source))
            cfg.data = str(Path(cfg.data).expanduser().resolve())  # runs may use another cwd
            specs.append(RunSpec(name, seed, cfg, source, out / name / f"seed{seed}"))
    return exp, module, specs


def check_data(specs: list[RunSpec], task: str) -> None:
    """Every run's prepared dataset must exist; the error says how to make it."""
    for folder in dict.fromkeys(str(s.config.data) for s in specs):
        if not is_prepared(folder):
            raise ArtimapError(
                f"{folder}: prepared dataset not found (the `data` of the row configs). Make it "
                f"with `artimap prepare {task} --corpus CORPUS --out {folder}` (a corpus: "
                "`artimap synth --preset demo --out CORPUS`), or pass --data DIR")


def check_unchanged(specs: list[RunSpec]) -> None:
    """A run folder made with other settings must not be skipped or resumed as if it matched.

    A setting added to artimap after the run was made (absent from its saved experiment.yaml)
    counts as unchanged when it holds its default: new settings default to the old behaviour.
    """
    for s in specs:
        saved = s.dir / "experiment.yaml"
        if not saved.is_file():
            continue
        old, new = _flatten(read_yaml(saved)), _flatten(to_dict(s.config))
        diff = [k for k in sorted(set(old) | set(new)) if old.get(k, _ABSENT) != new.get(k, _ABSENT)
                and not (k not in old and new[k] == _default_at(s.config, k))]
        if diff:
            raise ArtimapError(
                f"{s.dir}: was run with other settings ({', '.join(diff)} differ); use another "
                "--out, or delete that run folder to run it again")


_ABSENT = object()


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    """{"train": {"lr": 1}} -> {"train.lr": 1}."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict) and v:
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _default_at(cfg: Any, dotted: str) -> Any:
    """The dataclass default of the setting at `dotted` in `cfg` (_ABSENT when there is none)."""
    *parents, leaf = dotted.split(".")
    for name in parents:
        cfg = getattr(cfg, name, None)
    if not dataclasses.is_dataclass(cfg):
        return _ABSENT
    for f in dataclasses.fields(cfg):
        if f.name == leaf:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
    return _ABSENT


def _run_here(module, spec: RunSpec) -> None:
    train_run(module, spec.config, spec.dir, resume=True)
    module.evaluate_run(spec.dir, "test")


def _run_subprocess(spec: RunSpec, threads: int) -> None:
    cmd = [sys.executable, "-m", "artimap", "train", str(spec.dir / "experiment.yaml"),
           "--out", str(spec.dir), "--resume", "--evaluate", "--threads", str(threads)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    with open(spec.dir / "train.log", "a", encoding="utf-8") as log:
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode != 0:
        tail = (spec.dir / "train.log").read_text(encoding="utf-8").strip().splitlines()[-3:]
        raise ArtimapError(f"exit status {done.returncode}: {' | '.join(tail)}")


def _execute(module, spec: RunSpec, threads: int | None) -> str:
    """Train and evaluate one run; returns '' or the error message (also in error.txt)."""
    spec.dir.mkdir(parents=True, exist_ok=True)
    (spec.dir / "error.txt").unlink(missing_ok=True)  # a retry: the old failure is history
    atomic_write_text(spec.dir / "experiment.yaml",
                      yaml.safe_dump(to_dict(spec.config), sort_keys=False))
    t0 = time.perf_counter()
    try:
        if threads is None:
            _run_here(module, spec)
        else:
            _run_subprocess(spec, threads)
    except Exception as e:  # one failed run must not stop the others; reported at the end
        message = f"{type(e).__name__}: {e}"
        atomic_write_text(spec.dir / "error.txt", message + "\n")
        print(f"  {spec.name} seed{spec.seed}: FAILED ({message})", flush=True)
        return message
    print(f"  {spec.name} seed{spec.seed}: done in {time.perf_counter() - t0:.1f} s", flush=True)
    return ""


def run_experiment(path: str | Path, out: str | Path | None = None, *, seeds: int | None = None,
                   smoke: bool = False, workers: int = 1, sets: list[str] | tuple[str, ...] = (),
                   data: str | None = None) -> dict[str, Any]:
    """Run (or finish) an experiment; returns {"out", "trained", "skipped", "failed", "rows",
    "specs"} (specs: the resolved [RunSpec]).

    Raises ArtimapError after writing the results when some runs failed.
    """
    path = Path(path)
    out = Path(out) if out is not None else default_out(path, smoke)
    exp, module, specs = plan(path, out, seeds, smoke, sets, data)
    check_data(specs, str(exp["task"]))
    check_unchanged(specs)
    todo = [s for s in specs if not s.done]
    print(f"experiment {path}: {len(specs)} runs, {len(specs) - len(todo)} already done, "
          f"{len(todo)} to run -> {out}", flush=True)
    threads = None if workers <= 1 else max(1, default_workers() // workers)
    if threads is None:
        errors = [_execute(module, s, None) for s in todo]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            errors = list(pool.map(lambda s: _execute(module, s, threads), todo))
    failed = {f"{s.name}/seed{s.seed}": e for s, e in zip(todo, errors) if e}
    rows = write_results(module, specs, out)
    module.summarise(rows, experiment_info(exp, path, out, specs, smoke), out)
    if failed:
        raise ArtimapError(f"{len(failed)} run(s) failed (see error.txt in their folders): "
                           + "; ".join(f"{k}: {v}" for k, v in failed.items()))
    return {"out": str(out), "trained": len(todo), "skipped": len(specs) - len(todo),
            "failed": 0, "rows": rows, "specs": specs}


def shipped(relative: str | Path) -> Path:
    """A file of the configs/ folder shipped beside the package (e.g. "phone2face/demo_rows/
    experiment.yaml"). configs/ sits next to artimap/ in a source checkout, which is what
    `make demo` installs (editable); ARTIMAP_CONFIGS names another configs/ folder."""
    root = Path(os.environ.get("ARTIMAP_CONFIGS") or Path(__file__).resolve().parents[1]
                / "configs")
    path = root / relative
    if not path.is_file():
        raise ArtimapError(f"{path}: shipped config not found; run artimap from a source checkout "
                           "(pip install -e .) or point ARTIMAP_CONFIGS at its configs/ folder")
    return path


def default_out(path: Path, smoke: bool) -> Path:
    """runs/<task folder>/<file stem>[-smoke]."""
    return Path("runs") / path.resolve().parent.name / (path.stem + ("-smoke" if smoke else ""))


def write_results(module, specs: list[RunSpec], out: Path) -> list[dict]:
    """OUT/results.csv: one row per evaluated run, the task's result_columns()."""
    rows = []
    for s in specs:
        metrics = read_eval(s.dir)
        if metrics is not None:
            row = dict(module.result_row(s.dir, metrics))
            row.setdefault("config", s.name)
            row.setdefault("seed", s.seed)
            rows.append(row)
    task_columns = module.result_columns()
    columns = [c for c in ("config", "seed") if c not in task_columns] + list(task_columns)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "results.csv", buf.getvalue())
    return rows


def experiment_info(exp: dict, path: Path, out: Path, specs: list[RunSpec], smoke: bool) -> dict:
    """What a task's `summarise` gets besides the rows: the file, its runs and their dirs."""
    runs: dict[str, dict] = {}
    for s in specs:
        r = runs.setdefault(s.name, {"name": s.name, "config": str(s.source), "seeds": [],
                                     "run_dirs": [], "model": getattr(s.config, "model", "")})
        r["seeds"].append(s.seed)
        r["run_dirs"].append(str(s.dir))
    return {"task": exp["task"], "description": exp.get("description", ""), "file": str(path),
            "out": str(out), "smoke": smoke, "seeds": sorted({s.seed for s in specs}),
            "runs": list(runs.values())}
