"""The report of finished runs: `artimap report PATH` and the demo's task sections.

For every task found below PATH (see artimap.runfind) it appends to an artimap.report.Report:

- a results table: one row per config (mean ± std over seeds of every metric the task declares
  and the runs have; the published value beside ours where the task knows one; 95 % bootstrap
  intervals over test utterances of the task's headline metric and of the share of the
  floor -> ceiling gap closed (`module.GAP`, artimap.metrics.bootstrap); best epoch and
  training seconds), then the reference rows of the first evaluated run (metrics.json
  "references");
- the loss curves of every run (metrics.jsonl);
- the task's own figures (`report_figures`: Figure 2, trajectories: sample predictions);
- the provenance of every run: git commit and environment (run.json) and its config.yaml.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from artimap import plots
from artimap.metrics.declare import Metric
from artimap.progress import step
from artimap.report import Report
from artimap.rundir import first_with_references, read_metrics
from artimap.runfind import Run, find_runs, group
from artimap.tasks import tables
from artimap.tasks.registry import get_task_module


def build_report(path: str | Path, title: str | None = None) -> Report:
    """A Report of every run at or below `path`."""
    path = Path(path)
    report = Report(title or f"artimap report: {path.resolve().name}")
    report.text(f"Runs found below {path.resolve()}; written "
                f"{time.strftime('%Y-%m-%d %H:%M')}.", note=True)
    step("report", f"finding runs below {path}")
    runs = find_runs(path)
    step("report", f"{len(runs)} run(s) found")
    add_runs(report, runs)
    return report


def add_runs(report: Report, runs: list[Run], level: int = 2) -> None:
    """Append the sections of `runs` (all tasks), headings at `level`."""
    for task, experiment in group(runs).items():
        module = get_task_module(experiment["task"])
        mine = [r for r in runs if r.task == experiment["task"] and r.data == experiment["data"]]
        step("report", f"{task}: results table of {len(mine)} run(s)")
        report.heading(f"{task}: results", level)
        head, rows = results_table(module, experiment, mine)
        report.table(head, rows, caption="; ".join(
            f"{m.header}: {m.description}" for m in _present(module.METRICS, mine)))
        curves = loss_curves(mine)
        if curves:
            step("report", f"{task}: loss curves")
            report.heading(f"{task}: loss curves", level + 1)
            report.figure(plots.loss_curves(curves), "training (solid) and validation "
                                                    "(dashed) loss against steps, every run")
        step("report", f"{task}: figures")
        figures = module.report_figures(experiment)
        if figures:
            report.heading(f"{task}: sample predictions", level + 1)
            for caption, fig in figures:
                report.figure(fig, caption)
        provenance(report, mine, level + 1)


def _present(metrics: tuple[Metric, ...], runs: list[Run]) -> list[Metric]:
    got = [r.metrics for r in runs]
    names = {k for m in got if m for k in m.get("metrics", {})}
    return [m for m in metrics if m.name in names]


def results_table(module: Any, experiment: dict, runs: list[Run]) -> tuple[list[str], list]:
    """(header, rows) of the results table (see the module doc)."""
    metrics = _present(module.METRICS, runs)
    published = module.published_metrics()
    with_paper = {m.name for m in metrics if any(m.name in p for p in published.values())}
    head = ["method", "seeds"]
    for m in metrics:
        head += [m.header, "paper"] if m.name in with_paper else [m.header]
    headline = module.GAP[0]
    head += [f"{headline} 95% CI", "gap 95% CI", "best epoch", "train s"]
    by_dir = {str(r.dir): r for r in runs}
    first = first_with_references(experiment, lambda d: by_dir[d].metrics)
    refs = first["references"] if first else {}
    out = []
    for row in experiment["runs"]:
        evaluated = [(d, m) for d in row["run_dirs"] if (m := by_dir[d].metrics) is not None]
        values = [module.result_row(Path(d), m) for d, m in evaluated]
        cells: list[Any] = [row["name"], str(len(values)) if values else "not evaluated"]
        for m in metrics:
            cells.append(tables.cell(values, m.name))
            if m.name in with_paper:
                cells.append(_paper(published.get(row["name"], {}).get(m.name)))
        cells += intervals(module, [m["metrics"] for _, m in evaluated], refs)
        cells += [tables.cell(values, "best_epoch", 0), tables.cell(values, "train_seconds", 1)]
        out.append(cells)
    for name, ref in refs.items():
        cells = [name, "reference"]
        for m in metrics:
            cells.append(tables.fmt([(ref.get(m.name) or {}).get("mean")]))
            if m.name in with_paper:
                cells.append("-")
        out.append([*cells, *intervals(module, [ref], refs), "-", "-"])
    return head, out


def intervals(module: Any, sections: list[dict], refs: dict) -> list[str]:
    """[headline CI, gap CI] cells of a row whose seeds' metric sections are `sections`."""
    return tables.interval_cells(module.METRICS, module.GAP, sections, refs)


def _paper(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def loss_curves(runs: list[Run]) -> dict[str, dict[str, list[float]]]:
    """{"name seedK": {"step", "train", "val"}} from each run's metrics.jsonl (logged ones)."""
    curves = {}
    for run in runs:
        logged = read_metrics(run.dir)
        if logged:
            curves[f"{run.name} seed{run.seed}"] = {
                "step": [float(r["step"]) for r in logged],
                "train": [float(r.get("train_loss", "nan")) for r in logged],
                "val": [float(r.get("val_loss", "nan")) for r in logged]}
    return curves


def provenance(report: Report, runs: list[Run], level: int) -> None:
    """The git commit, start time and environment of every run, and its config.yaml."""
    report.heading("provenance: commits and configs", level)
    keys = ("git_commit", "started", "torch_version", "device", "world_size", "host")
    rows = [[f"{r.name} seed{r.seed}", *(str(r.info.get(k, "-")) for k in keys)] for r in runs]
    report.table(["run", *keys], rows)
    for r in runs:
        report.details(f"config.yaml of {r.name} seed{r.seed} ({r.dir})",
                       yaml.safe_dump(r.config, sort_keys=False))
