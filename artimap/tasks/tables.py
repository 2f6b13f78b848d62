"""Results rows and summary tables of any task, from the task's declared metrics.

A results.csv row is: config, seed, the mean of every declared metric, best_epoch,
train_seconds, then the task's own columns. Summary cells are mean ± std over seeds
(sample std, ddof 1) of the per-run values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from artimap.metrics.bootstrap import gap_interval, mean_interval
from artimap.metrics.declare import Metric, means, names
from artimap.rundir import first_with_references, read_eval

TRAINING_COLUMNS = ("best_epoch", "train_seconds")


def result_columns(metrics: Iterable[Metric], *extra: str) -> list[str]:
    """The results.csv columns of a task declaring `metrics`, its own `extra` ones last."""
    return ["config", "seed", *names(metrics), *TRAINING_COLUMNS, *extra]


def result_row(metrics: Iterable[Metric], evaluated: dict, config: Any, seed: Any,
               **extra: Any) -> dict[str, Any]:
    """One results.csv row of an evaluated run (`evaluated`: its metrics.json content)."""
    training = evaluated["training"]
    return {"config": config, "seed": seed, **means(metrics, evaluated.get("metrics", {})),
            **{k: training[k] for k in TRAINING_COLUMNS}, **extra}


def values(rows: Iterable[dict], key: str) -> np.ndarray:
    """The finite numbers of column `key` over `rows` (empty cells, None, text left out)."""
    out = []
    for r in rows:
        try:
            v = float(r.get(key))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if np.isfinite(v):
            out.append(v)
    return np.asarray(out, np.float64)


def fmt(vals: Iterable[Any], digits: int = 3) -> str:
    """'0.712 ± 0.004' (mean ± std over seeds), '0.712' for one value, '-' for none."""
    v = values(({"v": x} for x in vals), "v")
    if len(v) == 0:
        return "-"
    if len(v) == 1:
        return f"{v[0]:.{digits}f}"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def cell(rows: Sequence[dict], key: str, digits: int = 3) -> str:
    """`fmt` of column `key` over `rows`."""
    return fmt([r.get(key) for r in rows], digits)


def markdown(head: Sequence[str], lines: Iterable[Sequence[str]]) -> list[str]:
    """A markdown table (and a blank line after it)."""
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(line) + " |" for line in lines), ""]


def by_config(rows: Iterable[dict], order: Sequence[str] = ()) -> dict[str, list[dict]]:
    """Rows grouped by their config name: `order` first (empty groups kept), then the rest
    in order of appearance."""
    out: dict[str, list[dict]] = {name: [] for name in order}
    for r in rows:
        out.setdefault(str(r["config"]), []).append(r)
    return out


def present(metrics: Iterable[Metric], rows: Iterable[dict]) -> list[Metric]:
    """The declared metrics with a value in any of `rows`."""
    rows = list(rows)
    return [m for m in metrics if len(values(rows, m.name))]


def interval_cells(metrics: Sequence[Metric], gap: tuple[str, str, str], sections: list[dict],
                   refs: dict) -> list[str]:
    """[headline 95 % CI, gap-closed 95 % CI] of a row whose seeds' "metrics" sections are
    `sections`, `gap` (headline metric, floor row, ceiling row) the task's, `refs` the
    "references" of its evaluation: bootstrap over test utterances (artimap.metrics.bootstrap);
    "-" where not available."""
    name, floor, ceiling = gap
    per_utt = [(s.get(name) or {}).get("per_utterance") or {} for s in sections]
    lo, hi = ((refs.get(r) or {}).get(name) or {} for r in (floor, ceiling))
    better = next(m.higher_is_better for m in metrics if m.name == name)
    gaps = gap_interval(per_utt, lo.get("per_utterance") or {}, hi.get("per_utterance") or {},
                        better) if lo and hi else None
    return [_ci(mean_interval(per_utt)), _ci(gaps)]


def _ci(ci: tuple[float, float] | None) -> str:
    return "-" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def interval_table(experiment: dict, metrics: Sequence[Metric], gap: tuple[str, str, str]
                   ) -> list[str]:
    """Markdown lines: per row of `experiment` (and per reference row) the 95 % bootstrap
    intervals over test utterances of the headline metric and of the gap closed."""
    first = first_with_references(experiment)
    refs = first["references"] if first else {}
    lines = []
    for row in experiment.get("runs", []):
        sections = [m["metrics"] for d in row.get("run_dirs", []) if (m := read_eval(d))]
        if sections:
            lines.append([row["name"], *interval_cells(metrics, gap, sections, refs)])
    lines += [[name, *interval_cells(metrics, gap, [ref], refs)] for name, ref in refs.items()]
    head = ["row", f"{gap[0]} 95 % CI", "gap closed 95 % CI"]
    return markdown(head, lines) + ["", "Bootstrap over the test utterances (2000 draws, "
                                    "utterances weigh equally, each utterance's value its mean "
                                    "over the row's seeds)."]
