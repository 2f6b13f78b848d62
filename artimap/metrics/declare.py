"""How a task declares the metrics it reports: one `Metric` per name, in one tuple per task.

Everything that lists metrics (results.csv columns, results rows, the units and definitions in
metrics.json, summary and demo tables) is derived from that tuple, so adding a metric to a task
is one declaration plus its function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Metric", "names", "units", "definitions", "settings", "means", "union"]


@dataclass(frozen=True)
class Metric:
    """One reported metric.

    `function` computes it; its signature is the declaring task's (documented there); None for
    a metric computed elsewhere. `unit` may hold `{fields}` that the task fills from the data
    (e.g. "{length}" for pixels or mm). `label` is the table header (default: the name).
    """

    name: str  # key in metrics.json and column of results.csv
    function: Callable[..., Any] | None  # the task's scoring function (see the task)
    unit: str  # "1 = identical", "mm", "{length}" (filled by `units`)
    higher_is_better: bool  # direction of improvement (tables and comparisons)
    description: str = ""  # one line: what is measured and how it is reduced
    label: str = ""  # table header; "" = name
    settings: str = ""  # the parameters it is computed with (kept in metrics.json)

    @property
    def header(self) -> str:
        """The table header of this metric."""
        return self.label or self.name


def names(metrics: Iterable[Metric]) -> list[str]:
    """The names, in declaration order."""
    return [m.name for m in metrics]


def union(*groups: Iterable[Metric]) -> tuple[Metric, ...]:
    """The metrics of several groups, the first declaration of each name kept, in order."""
    seen: dict[str, Metric] = {}
    for group in groups:
        for m in group:
            seen.setdefault(m.name, m)
    return tuple(seen.values())


def units(metrics: Iterable[Metric], **fields: str) -> dict[str, str]:
    """{name: unit} with the unit's `{fields}` filled in (a missing field is a KeyError)."""
    return {m.name: m.unit.format(**fields) for m in metrics}


def definitions(metrics: Iterable[Metric]) -> dict[str, str]:
    """{name: description}."""
    return {m.name: m.description for m in metrics}


def settings(metrics: Iterable[Metric]) -> dict[str, str]:
    """{name: settings} of the metrics that state any."""
    return {m.name: m.settings for m in metrics if m.settings}


def means(metrics: Iterable[Metric], section: Mapping[str, Any]) -> dict[str, Any]:
    """{name: mean} from the "metrics" section of a metrics.json (None where absent)."""
    return {m.name: (section.get(m.name) or {}).get("mean") for m in metrics}
