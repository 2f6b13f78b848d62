"""summary.md and figures/ of a lip2tongue experiment: Tables 2 and 3 beside the published
numbers, the reference rows, Figure 2 (real frames and every method's predictions of the same
test frames spread over the tongue's range) and the loss curves of every row.

Rows are matched to the paper by their config name (convlstm, convlstm_att, ts_cnn_lstm,
ts_cnn_lstm_att, raw_frames, no_flow_att); other names go to a table of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from artimap.fsutil import atomic_write_text
from artimap.metrics.declare import Metric
from artimap.rundir import first_with_references, read_eval
from artimap.tasks.lip2tongue import metrics as declared
from artimap.tasks.lip2tongue.figures import figure2, loss_curves
from artimap.tasks.lip2tongue.track_figure import track_figure
from artimap.tasks.tables import by_config, cell, fmt, interval_table, markdown, present

# Liu & Zhang 2021 (TS-CNN-LSTM), SSC data, speaker-dependent. MSD in pixels of their images.
PUBLISHED: dict[str, dict[str, dict[str, Any]]] = {
    "table2": {
        "convlstm": {"method": "ConvLSTM", "attention": "", "ssim": 0.697, "cw_ssim": 0.719,
                     "msd": 5.263},
        "convlstm_att": {"method": "ConvLSTM", "attention": "yes", "ssim": 0.699,
                         "cw_ssim": 0.728, "msd": 5.234},
        "ts_cnn_lstm": {"method": "TS-CNN-LSTM", "attention": "", "ssim": 0.711,
                        "cw_ssim": 0.761, "msd": 5.056},
        "ts_cnn_lstm_att": {"method": "TS-CNN-LSTM", "attention": "yes", "ssim": 0.728,
                            "cw_ssim": 0.765, "msd": 4.953},
    },
    "table3": {
        "raw_frames": {"method": "raw images", "ssim": 0.683, "cw_ssim": 0.706},
        "no_flow_att": {"method": "without optical flow", "ssim": 0.691, "cw_ssim": 0.712},
        "ts_cnn_lstm": {"method": "without attention", "ssim": 0.711, "cw_ssim": 0.761},
        "ts_cnn_lstm_att": {"method": "full model", "ssim": 0.728, "cw_ssim": 0.765},
    },
}
SUBJECTIVE = "ConvLSTM 2.67 +- 0.56, without attention 2.84 +- 0.49, full 3.01 +- 0.33"
# The published value shown after a metric's column: the paper's CW-SSIM most likely came from
# pyssim, so it sits beside ours of that kind.
PAPER_COLUMN = {"ssim": "ssim", "cw_ssim_pyssim": "cw_ssim", "msd": "msd"}


def published_metrics() -> dict[str, dict[str, float]]:
    """{row name: {metric: the paper's value}} of Tables 2 and 3, for report tables."""
    out: dict[str, dict[str, float]] = {}
    for table in PUBLISHED.values():
        for name, pub in table.items():
            out.setdefault(name, {}).update(
                {m: pub[k] for m, k in PAPER_COLUMN.items() if k in pub})
    return out


def _pub(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def metric_head(metrics: Sequence[Metric], published: dict[str, dict]) -> list[str]:
    """Headers of the metric columns, each followed by "paper" where `published` (rows of
    PUBLISHED) has its value."""
    keys = {k for pub in published.values() for k in pub}
    head = []
    for m in metrics:
        head.append(m.header)
        if PAPER_COLUMN.get(m.name) in keys:
            head.append("paper")
    return head


def metric_cells(metrics: Sequence[Metric], value: Callable[[str], Any],
                 published: dict[str, dict], pub: dict | None) -> list[Any]:
    """The cells under `metric_head`: value(name) per metric, then the published one of row
    `pub` ("-" when None or absent)."""
    keys = {k for p in published.values() for k in p}
    cells = []
    for m in metrics:
        cells.append(value(m.name))
        if PAPER_COLUMN.get(m.name) in keys:
            cells.append(_pub((pub or {}).get(PAPER_COLUMN[m.name])))
    return cells


def paper_table(by: dict[str, list[dict]], table: str, first: list[str],
                label: Callable[[dict], list[str]]) -> list[str]:
    """Table 2 or 3: one line per published row, our mean ± std over seeds of every image
    metric beside the paper's values, and the number of seeds."""
    published, metrics = PUBLISHED[table], declared.IMAGE_METRICS
    lines = []
    for name, pub in published.items():
        rs = by.get(name, [])
        lines.append([*label(pub), *metric_cells(metrics, partial(cell, rs), published, pub),
                      str(len(rs)) if rs else "not run"])
    return markdown([*first, *metric_head(metrics, published), "seeds"], lines)


def table2(by: dict[str, list[dict]]) -> list[str]:
    return paper_table(by, "table2", ["method", "attention"],
                       lambda pub: [pub["method"], pub["attention"]])


def table3(by: dict[str, list[dict]]) -> list[str]:
    return paper_table(by, "table3", ["variant"], lambda pub: [pub["method"]])


def references_table(experiment: dict) -> list[str]:
    """The reference rows (train mean, nearest neighbour) of the first evaluated run."""
    m = first_with_references(experiment)
    if m is None:
        return ["(no evaluated run)", ""]
    metrics = [x for x in declared.METRICS if x.name in m["metrics"]]
    head = ["reference", *(x.name for x in metrics), "what"]
    lines = [[ref, *(fmt([vals.get(x.name, {}).get("mean")]) for x in metrics),
              vals.get("description", "")]
             for ref, vals in m["references"].items()]
    return markdown(head, lines)


def _units(experiment: dict) -> str:
    for run in experiment["runs"]:
        for d in run["run_dirs"]:
            m = read_eval(d)
            if m:
                return "; ".join(f"{k}: {v}" for k, v in m["units"].items())
    return "-"


def summarise(rows: list[dict], experiment: dict, out_dir: Path) -> None:
    """Write OUT/summary.md and OUT/figures/ (see the module doc)."""

    by = by_config(rows)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    made = [figure2(experiment, figures / "figure2_grid.png"),
            track_figure(experiment, figures / "tongue_track.png")]
    made += [loss_curves(run, figures / f"loss_{run['name']}.png") for run in experiment["runs"]]
    text = [f"# lip2tongue: {experiment.get('description') or Path(experiment['file']).stem}", "",
            f"Experiment file `{experiment['file']}`, seeds {experiment['seeds']}, "
            f"{len(rows)} evaluated runs." + (" **Smoke run: tiny models, 2 steps; the numbers "
                                              "mean nothing.**" if experiment["smoke"] else ""),
            "", f"Units: {_units(experiment)}.",
            "Mean ± std over seeds of the per-run test means. The paper's CW-SSIM most likely "
            "came from pyssim (compare the pyssim column); its MSD is in pixels of its own "
            "SSC images, so only the ordering of the methods is comparable.", "",
            "## Table 2: methods", "", *table2(by), "## Table 3: ablation", "", *table3(by),
            "## Reference rows", "", *references_table(experiment), "",
            "## Intervals", "", *interval_table(experiment, declared.METRICS, declared.GAP)]
    others = [n for n in by if n not in PUBLISHED["table2"] and n not in PUBLISHED["table3"]]
    if others:
        metrics = present(declared.METRICS, rows)
        text += ["## Other rows", "", *markdown(["config", *(x.name for x in metrics), "seeds"], [
            [n, *(cell(by[n], x.name) for x in metrics), str(len(by[n]))] for n in others])]
    text += [f"Published subjective similarity (1-5): {SUBJECTIVE}.", "", "## Figures", ""]
    text += [f"![{p.stem}](figures/{p.name})" for p in made if p is not None]
    atomic_write_text(out_dir / "summary.md", "\n".join(text) + "\n")
