"""What a task package provides (`artimap.tasks.lip2tongue`, `artimap.tasks.phone2face`).

The experiment runner, `artimap train`, `evaluate` and `predict` reach a task only through these
names, so a new task is a package that satisfies `TaskModule` plus one line in
`artimap.tasks.registry.TASKS`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Protocol


class TaskModule(Protocol):
    """The public surface of a task package."""

    ExperimentConfig: type  # dataclass: task, name, data, model, model_config, train, ...
    EVAL_OPTIONS: tuple[str, ...]  # keyword options evaluate_run accepts (`artimap evaluate`)
    METRICS: tuple  # the declared artimap.metrics.declare.Metric's, table order
    GAP: tuple[str, str, str]  # (headline metric, floor row, ceiling row) of gap_closed

    def make_task(self, cfg: Any) -> Any:
        """The artimap.train.Task of one run of `cfg` (an ExperimentConfig)."""

    def evaluate_run(self, run_dir: Path, split: str = "test", **options: Any) -> dict:
        """Evaluate a trained run on `split`; writes and returns eval/metrics[_split].json."""

    def result_columns(self) -> list[str]:
        """The columns of one row of an experiment's results.csv (from the declared metrics)."""

    def result_row(self, run_dir: Path, metrics: dict) -> dict:
        """One results.csv row (`result_columns()`) of an evaluated run."""

    def summarise(self, rows: list[dict], experiment: dict, out_dir: Path) -> None:
        """An experiment's summary.md and figures/ from its rows."""

    def published_metrics(self) -> dict[str, dict[str, float]]:
        """{row name: {metric name: published value}} shown beside ours in report tables."""

    def report_figures(self, experiment: dict) -> list[tuple[str, Any]]:
        """(caption, matplotlib Figure) of sample predictions for an HTML report."""

    def add_predict_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The task's `artimap predict RUN_DIR ...` options."""

    def predict(self, run_dir: Path, args: argparse.Namespace) -> Path:
        """Run a trained model on new input; returns the output folder."""
