"""summary.md of an audio task's experiment (audio2tongue, audio2face): per configuration the
mean ± std over seeds of every declared metric present, then the reference rows (training
mean, ridge on log-mel) from the first evaluated run, then the bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from artimap.fsutil import atomic_write_text
from artimap.metrics.declare import Metric
from artimap.rundir import first_with_references
from artimap.tasks import tables


def summary_lines(task: str, rows: list[dict], experiment: dict, metrics: Sequence[Metric],
                  gap: tuple[str, str, str]) -> list[str]:
    """The markdown lines of summary.md."""
    shown = tables.present(metrics, rows) or list(metrics)
    groups = tables.by_config(rows, [r["name"] for r in experiment.get("runs", [])])
    body = [[name, str(len(rs)), *(tables.cell(rs, m.name) for m in shown)]
            for name, rs in groups.items()]
    first = first_with_references(experiment)
    for name, ref in (first or {}).get("references", {}).items():
        body.append([f"{name} (reference)", "-",
                     *(tables.fmt([(ref.get(m.name) or {}).get("mean")]) for m in shown)])
    lines = [f"# {task}: {experiment.get('description') or experiment.get('file', '')}", ""]
    if experiment.get("smoke"):
        lines += ["**Smoke run** (tiny models, 2 steps): the numbers only show that the "
                  "pipeline works.", ""]
    lines += [f"{len(rows)} evaluated runs on the test split; ± is the std over seeds.", "",
              *tables.markdown(["row", "runs", *(m.header for m in shown)], body),
              "## Intervals", "", *tables.interval_table(experiment, metrics, gap), ""]
    return lines


def write_summary(task: str, rows: list[dict], experiment: dict, out_dir: Path,
                  metrics: Sequence[Metric], gap: tuple[str, str, str]) -> None:
    """Write OUT/summary.md."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = "\n".join(summary_lines(task, rows, experiment, metrics, gap)) + "\n"
    atomic_write_text(out_dir / "summary.md", text)
