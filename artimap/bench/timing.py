"""The one timing helper of the benchmarks: interleaved rounds of several candidates.

`compare({"a": fa, "b": fb}, rounds=5, warmup=1, baseline="b")` runs the warm-up rounds
untimed, then `rounds` rounds of a, b, a, b, ... (interleaved, so a change in machine load hits
every candidate alike), timing each call's wall-clock and process CPU seconds. The result gives
min and median per candidate and the ratio of each candidate's median to the baseline's median,
all from the same run. `time_once(fn)` is the one-candidate, one-round, no-warm-up case, for
work too slow or too stateful to repeat (a corpus preparation, a training run).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    """Per-round seconds of one candidate; `value` is what its last call returned."""

    name: str
    wall: list[float] = field(default_factory=list)  # wall-clock seconds, one per round
    cpu: list[float] = field(default_factory=list)  # process CPU seconds (all threads)
    value: Any = None

    @property
    def min_s(self) -> float:
        """The least disturbed round's wall seconds."""
        return min(self.wall)

    @property
    def median_s(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_min_s(self) -> float:
        return min(self.cpu)

    @property
    def cpu_median_s(self) -> float:
        return statistics.median(self.cpu)

    def summary(self) -> dict[str, float]:
        """JSON-ready min and median of wall and CPU seconds."""
        return {"min_s": self.min_s, "median_s": self.median_s,
                "cpu_min_s": self.cpu_min_s, "cpu_median_s": self.cpu_median_s}


@dataclass
class Comparison:
    """The timings of interleaved candidates; `order` is the name of every timed call in the
    order the calls were made (warm-up calls are not in it)."""

    timings: dict[str, Timing]
    rounds: int
    warmup: int
    baseline: str | None = None
    order: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Timing:
        return self.timings[name]

    def ratio(self, name: str, baseline: str | None = None) -> float:
        """Median wall seconds of `name` / those of the baseline (2.0: twice as slow)."""
        base = baseline or self.baseline
        if base is None:
            raise ValueError("no baseline: pass one here or to compare()")
        return self.timings[name].median_s / self.timings[base].median_s

    def summary(self) -> dict[str, Any]:
        """JSON-ready: per candidate its summary, plus `ratio` when a baseline was named."""
        out: dict[str, Any] = {"rounds": self.rounds, "warmup": self.warmup,
                               "baseline": self.baseline}
        for name, t in self.timings.items():
            out[name] = t.summary()
            if self.baseline is not None:
                out[name]["ratio"] = self.ratio(name)
        return out


def _timed(fn: Callable[[], Any], sync: Callable[[], None] | None) -> tuple[float, float, Any]:
    """(wall s, CPU s, return value) of one call; `sync` (e.g. torch.cuda.synchronize) runs
    before and after so that queued device work is counted in the right call."""
    if sync is not None:
        sync()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    value = fn()
    if sync is not None:
        sync()
    return time.perf_counter() - wall0, time.process_time() - cpu0, value


def compare(candidates: dict[str, Callable[[], Any]], rounds: int = 5, warmup: int = 1,
            baseline: str | None = None,
            sync: Callable[[], None] | None = None) -> Comparison:
    """Time zero-argument callables in interleaved rounds (see the module doc)."""
    if not candidates:
        raise ValueError("compare() needs at least one candidate")
    if rounds < 1 or warmup < 0:
        raise ValueError(f"rounds must be >= 1 and warmup >= 0, got {rounds} and {warmup}")
    if baseline is not None and baseline not in candidates:
        raise ValueError(f"baseline {baseline!r} is not a candidate: {sorted(candidates)}")
    for _ in range(warmup):
        for fn in candidates.values():
            fn()
    result = Comparison({k: Timing(k) for k in candidates}, rounds, warmup, baseline)
    for _ in range(rounds):
        for name, fn in candidates.items():
            wall, cpu, value = _timed(fn, sync)
            t = result.timings[name]
            t.wall.append(wall)
            t.cpu.append(cpu)
            t.value = value
            result.order.append(name)
    return result


def time_once(fn: Callable[[], Any], sync: Callable[[], None] | None = None) -> Timing:
    """One call of `fn`, no warm-up: its wall and CPU seconds and its return value."""
    return compare({"once": fn}, rounds=1, warmup=0, sync=sync)["once"]
