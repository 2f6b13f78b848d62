"""Results rows and summary tables of any task, from the task's declared metrics.

A results.csv row is: config, seed, the mean of every declared metric, best_epoch,
train_seconds, then the task's own columns. Summary cells are mean ± std over seeds
(sample std, ddof 1) of the per-run values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from artimap.metrics.declare import Metric, means, names

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
