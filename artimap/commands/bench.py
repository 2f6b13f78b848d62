"""`artimap bench NAME`: run one benchmark and print its result as one JSON object."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys

# benchmark name -> ("module:function", help). The function takes the parsed args and returns
# a JSON-serialisable dict (or a list of dicts, printed one per line).
BENCHES: dict[str, tuple[str, str]] = {
    "synth": ("artimap.bench.synth:bench_synth", "virtual talker generation speed"),
    "prepare": ("artimap.bench.prepare:bench_prepare",
                "prepare and dataset-read throughput per task"),
    "lip2tongue": ("artimap.bench.lip2tongue:bench_lip2tongue", "lip2tongue model/data speed"),
    "contour": ("artimap.bench.contour:bench_contour", "contour extractor vs real tongue labels"),
    "phone2face": ("artimap.bench.phone2face:bench_phone2face", "p2f inference/training speed"),
    "l2t_models": ("artimap.bench.l2t_models:bench_models", "l2t streaming vs window recompute"),
}


def register(sub: argparse._SubParsersAction) -> None:
    lines = "\n".join(f"  {k:12s} {v[1]}" for k, v in BENCHES.items())
    p = sub.add_parser(
        "bench",
        help="run a benchmark, print JSON",
        description=f"Run a benchmark and print JSON.\n\nbenchmarks:\n{lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", choices=sorted(BENCHES), help="which benchmark")
    p.add_argument("--out", default=None, help="also append the JSON line(s) to this file")
    p.add_argument("--quick", action="store_true", help="smaller problem (for tests)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target, _ = BENCHES[args.name]
    module, func = target.split(":")
    # stdout carries only the JSON; whatever the benchmark prints (training logs) goes to stderr
    with contextlib.redirect_stdout(sys.stderr):
        result = getattr(importlib.import_module(module), func)(args)
    rows = result if isinstance(result, list) else [result]
    lines = [json.dumps(r) for r in rows]
    for line in lines:
        print(line)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0
