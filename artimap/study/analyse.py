"""`artimap study analyse STUDY`: the results of a rating study, as the paper's Table 1.

- per method: mean ± std (sample std) of all its scores, and the number of scores;
- Friedman test over the (rater, frame) blocks in which every method was scored (3 or more
  methods), and pairwise Wilcoxon signed-rank tests on the same blocks, Holm-corrected;
- agreement between raters: Kendall's W over the (frame, method) items every rater scored.

Writes STUDY/analysis.json and STUDY/analysis.html (through artimap.report.Report).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_text
from artimap.report import Report
from artimap.study import store
from artimap.study.design import read_study
from artimap.study.stats import holm, kendall_w

# Liu & Zhang 2021, Table 1: 12 raters, 40 frames, similarity to the real frame, 1-5
PUBLISHED = {"ConvLSTM": "2.67 ± 0.56", "without attention": "2.84 ± 0.49",
             "full model": "3.01 ± 0.33"}


def _blocks(ratings: list[tuple[str, int, str, int]], methods: list[str]) -> np.ndarray:
    """(B, K) scores of the (rater, frame) blocks that scored all K methods."""
    cells: dict[tuple[str, int], dict[str, int]] = {}
    for rater, frame, method, score in ratings:
        cells.setdefault((rater, frame), {})[method] = score
    full = [[c[m] for m in methods] for c in cells.values() if set(methods) <= set(c)]
    return np.asarray(full, np.float64).reshape(-1, len(methods))


def _pairwise(blocks: np.ndarray, methods: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, j in itertools.combinations(range(len(methods)), 2):
        d = blocks[:, i] - blocks[:, j]
        # all-zero differences: no evidence of a difference (scipy cannot rank them)
        p = 1.0 if not np.any(d) else float(sps.wilcoxon(blocks[:, i], blocks[:, j]).pvalue)
        out.append({"a": methods[i], "b": methods[j], "n": int(len(d)),
                    "median_difference": float(np.median(d)) if len(d) else float("nan"),
                    "p": p})
    for row, adj in zip(out, holm([r["p"] for r in out])):
        row["p_holm"] = float(adj)
    return out


def _agreement(ratings: list[tuple[str, int, str, int]]) -> dict[str, Any]:
    items: dict[tuple[int, str], dict[str, int]] = {}
    raters = sorted({r for r, _, _, _ in ratings})
    for rater, frame, method, score in ratings:
        items.setdefault((frame, method), {})[rater] = score
    common = [v for v in items.values() if len(v) == len(raters)]
    if len(raters) < 2 or len(common) < 2:
        return {"kendall_w": None, "raters": len(raters), "items": len(common)}
    x = np.array([[v[r] for v in common] for r in raters], np.float64)  # (m, n)
    return {"kendall_w": kendall_w(x), "raters": len(raters), "items": len(common)}


def analyse(folder: str | Path) -> dict[str, Any]:
    """The analysis of the study in `folder` (see the module doc)."""
    study = read_study(folder)
    methods = study["methods"]
    ratings = store.all_ratings(folder)
    if not ratings:
        raise ArtimapError(f"{folder}: no ratings yet; collect some with "
                           "`artimap study serve STUDY`")
    per = {m: np.array([s for _, _, mm, s in ratings if mm == m], np.float64) for m in methods}
    summary = {m: {"mean": float(v.mean()) if len(v) else None,
                   "std": float(v.std(ddof=1)) if len(v) > 1 else None, "n": int(len(v))}
               for m, v in per.items()}
    blocks = _blocks(ratings, methods)
    friedman = None
    if len(methods) >= 3 and len(blocks) >= 2 and np.ptp(blocks) > 0:
        res = sps.friedmanchisquare(*blocks.T)
        friedman = {"statistic": float(res.statistic), "p": float(res.pvalue),
                    "blocks": int(len(blocks))}
    return {"methods": summary, "raters": sorted({r for r, _, _, _ in ratings}),
            "frames": len(study["frames"]), "complete_blocks": int(len(blocks)),
            "friedman": friedman, "pairwise": _pairwise(blocks, methods),
            "agreement": _agreement(ratings)}


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def study_section(report: Report, result: dict[str, Any], level: int = 2) -> None:
    """Append the study's tables to `report`."""
    report.heading("Subjective similarity to the real frame (1-5)", level)
    report.text(f"{len(result['raters'])} raters, {result['frames']} frames; "
                f"{result['complete_blocks']} (rater, frame) pages with every method scored. "
                "Published (Table 1): " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items())
                + ".")
    report.table(["method", "mean ± std", "scores"],
                 [[m, f"{_num(v['mean'], 2)} ± {_num(v['std'], 2)}", v["n"]]
                  for m, v in result["methods"].items()], caption="scores per method")
    f = result["friedman"]
    report.text("Friedman test: " + ("not applicable (fewer than 3 methods or 2 complete "
                                     "pages, or no variation)" if f is None else
                                     f"chi² = {f['statistic']:.3f}, p = {f['p']:.4g}, "
                                     f"{f['blocks']} blocks"))
    report.table(["a", "b", "pages", "median a - b", "p", "p (Holm)"],
                 [[r["a"], r["b"], r["n"], r["median_difference"], _num(r["p"], 4),
                   _num(r["p_holm"], 4)] for r in result["pairwise"]],
                 caption="Wilcoxon signed-rank tests on the complete pages, Holm-corrected")
    a = result["agreement"]
    report.text(f"Agreement between raters: Kendall's W = {_num(a['kendall_w'])} over "
                f"{a['items']} (frame, method) items scored by all {a['raters']} raters.")


def write_analysis(folder: str | Path) -> tuple[dict[str, Any], Path]:
    """analyse(), written to STUDY/analysis.json and STUDY/analysis.html."""
    result = analyse(folder)
    atomic_write_text(Path(folder) / "analysis.json", json.dumps(result, indent=1) + "\n")
    report = Report(f"Rating study {Path(folder).resolve().name}")
    study_section(report, result)
    return result, report.write(Path(folder) / "analysis.html")
