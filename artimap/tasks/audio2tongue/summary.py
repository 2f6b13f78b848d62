"""An audio2tongue experiment's summary.md (`artimap.tasks.audio_summary`) and the published
numbers of its HTML report (none; its figure: `artimap.tasks.audio2tongue.figures`)."""

from __future__ import annotations

from pathlib import Path

from artimap.tasks.audio2tongue.config import TASK
from artimap.tasks.audio2tongue.metrics import GAP, METRICS
from artimap.tasks.audio_summary import write_summary


def summarise(rows: list[dict], experiment: dict, out_dir: Path) -> None:
    """Write OUT/summary.md from the results rows and the run dirs."""
    write_summary(TASK, rows, experiment, out_dir, METRICS, GAP)


def published_metrics() -> dict[str, dict[str, float]]:
    """{row: {metric: value}}: none published for this task."""
    return {}

