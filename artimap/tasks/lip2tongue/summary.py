"""summary.md and figures/ of a lip2tongue experiment: Tables 2 and 3 beside the published
numbers, the reference rows, Figure 2 (real frames and every method's predictions of the same
random test frames) and the loss curves of every row.

Rows are matched to the paper by their config name (convlstm, convlstm_att, ts_cnn_lstm,
ts_cnn_lstm_att, raw_frames, no_flow_att); other names go to a table of their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from artimap.fsutil import atomic_write_text

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
METRICS = ("ssim", "cw_ssim", "cw_ssim_pyssim", "msd", "point_error")


def _stats(values: list) -> tuple[float, float, int] | None:
    v = np.asarray([x for x in values if x not in (None, "") and np.isfinite(float(x))], float)
    if len(v) == 0:
        return None
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else float("nan"), len(v)


def fmt(values: list) -> str:
    """'0.712 ± 0.004' (std over seeds), '0.712' for one seed, '-' for none."""
    s = _stats(values)
    if s is None:
        return "-"
    mean, std, n = s
    return f"{mean:.3f}" if n == 1 else f"{mean:.3f} ± {std:.3f}"


def _pub(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(head: list[str], lines: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(line) + " |" for line in lines), ""]


def _by_config(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(str(r["config"]), []).append(r)
    return out


def _col(rows: list[dict], name: str) -> list:
    return [r.get(name) for r in rows]


def table2(by: dict[str, list[dict]]) -> list[str]:
    head = ["method", "attention", "SSIM", "paper", "CW-SSIM", "CW-SSIM (pyssim)", "paper",
            "MSD (px)", "paper", "seeds"]
    lines = []
    for name, pub in PUBLISHED["table2"].items():
        rs = by.get(name, [])
        lines.append([pub["method"], pub["attention"], fmt(_col(rs, "ssim")), _pub(pub["ssim"]),
                      fmt(_col(rs, "cw_ssim")), fmt(_col(rs, "cw_ssim_pyssim")),
                      _pub(pub["cw_ssim"]), fmt(_col(rs, "msd")), _pub(pub["msd"]),
                      str(len(rs)) if rs else "not run"])
    return _table(head, lines)


def table3(by: dict[str, list[dict]]) -> list[str]:
    head = ["variant", "SSIM", "paper", "CW-SSIM", "CW-SSIM (pyssim)", "paper", "seeds"]
    lines = []
    for name, pub in PUBLISHED["table3"].items():
        rs = by.get(name, [])
        lines.append([pub["method"], fmt(_col(rs, "ssim")), _pub(pub["ssim"]),
                      fmt(_col(rs, "cw_ssim")), fmt(_col(rs, "cw_ssim_pyssim")),
                      _pub(pub["cw_ssim"]), str(len(rs)) if rs else "not run"])
    return _table(head, lines)


def read_eval(run_dir: str | Path) -> dict | None:
    path = Path(run_dir) / "eval" / "metrics.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def references_table(experiment: dict) -> list[str]:
    """The reference rows (train mean, nearest neighbour) of the first evaluated run."""
    for run in experiment["runs"]:
        for d in run["run_dirs"]:
            m = read_eval(d)
            if m and m.get("references"):
                names = [k for k in METRICS if k in m["metrics"]]
                head = ["reference", *names, "what"]
                lines = [[ref, *(fmt([vals.get(k, {}).get("mean")]) for k in names),
                          vals.get("description", "")]
                         for ref, vals in m["references"].items()]
                return _table(head, lines)
    return ["(no evaluated run)", ""]


def _units(experiment: dict) -> str:
    for run in experiment["runs"]:
        for d in run["run_dirs"]:
            m = read_eval(d)
            if m:
                return "; ".join(f"{k}: {v}" for k, v in m["units"].items())
    return "-"


def summarise(rows: list[dict], experiment: dict, out_dir: Path) -> None:
    """Write OUT/summary.md and OUT/figures/ (see the module doc)."""
    from artimap.tasks.lip2tongue.figures import figure2, loss_curves

    by = _by_config(rows)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    made = [figure2(experiment, figures / "figure2_grid.png")]
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
            "## Reference rows", "", *references_table(experiment)]
    others = [n for n in by if n not in PUBLISHED["table2"] and n not in PUBLISHED["table3"]]
    if others:
        names = [k for k in METRICS if any(r.get(k) not in (None, "") for r in rows)]
        text += ["## Other rows", "", *_table(["config", *names, "seeds"], [
            [n, *(fmt(_col(by[n], k)) for k in names), str(len(by[n]))] for n in others])]
    text += [f"Published subjective similarity (1-5): {SUBJECTIVE}.", "", "## Figures", ""]
    text += [f"![{p.stem}](figures/{p.name})" for p in made if p is not None]
    atomic_write_text(out_dir / "summary.md", "\n".join(text) + "\n")
