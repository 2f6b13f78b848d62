"""The benchmarks' timing helper on toy callables: interleaving, min <= median, ratios against
the baseline (wide bounds only: the machine may be loaded), warm-up, CPU time."""

from __future__ import annotations

import time

import pytest

from artimap.bench.timing import compare, time_once


def _sleeper(seconds: float, calls: list[str], name: str):
    def fn() -> str:
        calls.append(name)
        time.sleep(seconds)
        return name

    return fn


def test_rounds_are_interleaved_after_the_warm_up():
    calls: list[str] = []
    res = compare({"a": _sleeper(0, calls, "a"), "b": _sleeper(0, calls, "b")},
                  rounds=3, warmup=2)
    assert calls == ["a", "b"] * 5  # 2 warm-up rounds, then 3 timed ones
    assert res.order == ["a", "b"] * 3
    assert len(res["a"].wall) == len(res["a"].cpu) == 3
    assert res["b"].value == "b"


def test_min_is_at_most_median_and_summary_has_every_candidate():
    res = compare({"x": lambda: sum(range(1000)), "y": lambda: None}, rounds=5, baseline="y")
    for name in ("x", "y"):
        t = res[name]
        assert 0 <= t.min_s <= t.median_s and 0 <= t.cpu_min_s <= t.cpu_median_s
    summary = res.summary()
    assert summary["baseline"] == "y" and summary["rounds"] == 5 and summary["warmup"] == 1
    assert set(summary["x"]) == {"min_s", "median_s", "cpu_min_s", "cpu_median_s", "ratio"}
    assert summary["y"]["ratio"] == 1.0


def test_ratio_against_the_baseline_of_the_same_run():
    calls: list[str] = []
    res = compare({"slow": _sleeper(0.004, calls, "slow"), "fast": _sleeper(0.002, calls, "fast")},
                  rounds=7, baseline="fast")
    # 2x in sleep time; scheduler overhead and load only squeeze or stretch it so far
    assert 1.2 < res.ratio("slow") < 4.0
    assert res.ratio("fast") == 1.0
    assert 0.25 < res.ratio("fast", baseline="slow") < 0.85


def test_sleep_costs_wall_time_not_cpu_time():
    t = time_once(lambda: time.sleep(0.02))
    assert t.min_s >= 0.015  # sleep never returns early by more than clock granularity
    assert t.cpu_min_s < t.min_s


def test_time_once_runs_once_and_keeps_the_value():
    calls: list[str] = []
    t = time_once(_sleeper(0, calls, "v"))
    assert calls == ["v"] and t.value == "v" and len(t.wall) == 1


def test_sync_runs_around_each_timed_call():
    events: list[str] = []
    compare({"a": lambda: events.append("a")}, rounds=2, warmup=1,
            sync=lambda: events.append("sync"))
    assert events == ["a", "sync", "a", "sync", "sync", "a", "sync"]


def test_bad_arguments_are_errors():
    with pytest.raises(ValueError, match="baseline 'c'"):
        compare({"a": lambda: None}, baseline="c")
    with pytest.raises(ValueError, match="rounds"):
        compare({"a": lambda: None}, rounds=0)
    with pytest.raises(ValueError, match="at least one"):
        compare({})
    with pytest.raises(ValueError, match="no baseline"):
        compare({"a": lambda: None}, rounds=1).ratio("a")
