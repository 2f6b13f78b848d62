"""An audio2face experiment's summary.md (`artimap.tasks.audio_summary`) and its part of an
HTML report (no published numbers, no sample figures yet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from artimap.tasks.audio2face.config import TASK
from artimap.tasks.audio2face.metrics import GAP, METRICS
from artimap.tasks.audio_summary import write_summary


def summarise(rows: list[dict], experiment: dict, out_dir: Path) -> None:
    """Write OUT/summary.md from the results rows and the run dirs."""
    write_summary(TASK, rows, experiment, out_dir, METRICS, GAP)


def published_metrics() -> dict[str, dict[str, float]]:
    """{row: {metric: value}}: none published for this task."""
    return {}


def report_figures(experiment: dict) -> list[tuple[str, Any]]:
    """(caption, Figure) for an HTML report: none yet."""
    return []
