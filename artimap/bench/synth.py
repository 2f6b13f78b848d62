"""`artimap bench synth`: how fast the virtual talker makes a corpus, in x real time.

Generates a demo-preset corpus (4 utterances with --quick) with one worker into a temporary
folder and reports seconds of speech (recording duration) per wall-clock second, per CPU
second, and per second spent in each render stage and each file writer.
`artimap bench synth_coarticulation` does the same once per coarticulation rule (the "artic"
stage is the rule's own cost; the rest renders and writes what it drives).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from artimap.bench.timing import time_once
from artimap.synth.corpus import generate_corpus

GOAL_X_REALTIME = 20.0  # per core, demo preset


def _rates(speech_s: float, seconds: dict[str, float]) -> dict[str, float]:
    """x real time of each stage alone: speech seconds / stage seconds."""
    return {k: round(speech_s / v, 1) for k, v in sorted(seconds.items()) if v > 0}


def bench_synth(args: argparse.Namespace) -> dict:
    """Generate a demo-like corpus with one worker, with the coarticulation rule
    `args.coarticulation` (default "dominance"); return speeds as one JSON-ready dict."""

    quick = bool(getattr(args, "quick", False))
    rule = getattr(args, "coarticulation", None) or "dominance"
    utterances = 4 if quick else None  # None: the demo preset's count
    timings: dict = {}
    with tempfile.TemporaryDirectory(prefix="artimap-bench-synth-") as tmp:
        run = time_once(lambda: generate_corpus(
            Path(tmp) / "corpus", preset="demo", seed=0, utterances=utterances, workers=1,
            progress=False, timings=timings, coarticulation=rule))  # fmt: skip
    meta, wall, cpu = run.value, run.min_s, run.cpu_min_s
    speech = sum(u["duration"] for u in meta["utterances"])
    render, write = timings["render"], timings["write"]
    return {
        "bench": "synth",
        "preset": "demo",
        "coarticulation": rule,
        "quick": quick,
        "workers": 1,
        "utterances": len(meta["utterances"]),
        "speech_s": round(speech, 2),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "x_realtime_per_worker": round(speech / wall, 2),
        "x_realtime_per_cpu_s": round(speech / cpu, 2),
        "goal_x_realtime": GOAL_X_REALTIME,
        "render_s": round(sum(render.values()), 3),
        "write_s": round(sum(write.values()), 3),
        "x_realtime_render": round(speech / sum(render.values()), 1),
        "x_realtime_write": round(speech / sum(write.values()), 1),
        "x_realtime_by_stage": _rates(speech, render),
        "x_realtime_by_writer": _rates(speech, write),
    }  # fmt: skip

