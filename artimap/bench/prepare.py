"""`artimap bench prepare`: preparation and dataset-read throughput of every task."""

from __future__ import annotations

import argparse
import importlib

# task -> "module:function" returning a list of JSON-able dicts.
PREPARE_BENCHES: dict[str, str] = {
    "lip2tongue": "artimap.bench.l2t_data:bench_prepare_l2t",
    "phone2face": "artimap.bench.p2f_data:bench_prepare_p2f",
}


def bench_prepare(args: argparse.Namespace) -> list[dict]:
    """Run each task's prepare benchmark; rows are tagged with their task."""
    rows: list[dict] = []
    for task, target in PREPARE_BENCHES.items():
        module, func = target.split(":")
        for row in getattr(importlib.import_module(module), func)(args):
            rows.append({"task": task, **row})
    return rows
