"""The one list of benchmarks: name -> where its function lives and one line of help.

A benchmark function takes the parsed command-line arguments (it reads `args.quick`, and may
read others with `getattr`) and returns a JSON-ready dict, or a list of them (one per
measurement). Modules are imported only when their benchmark runs, so listing stays light.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

from artimap.errors import ArtimapError


class Bench(NamedTuple):
    target: str  # "module:function"
    help: str  # one line for `artimap bench --list`


BENCHES: dict[str, Bench] = {
    "synth": Bench("artimap.bench.synth:bench_synth", "virtual talker generation speed"),
    "synth_coarticulation": Bench("artimap.bench.synth_coarticulation:"
                                  "bench_synth_coarticulation",
                                  "virtual talker generation speed per coarticulation rule"),
    "prepare_lip2tongue": Bench("artimap.bench.prepare_lip2tongue:bench_prepare_lip2tongue",
                                "lip2tongue crop + resize + flow speed, dataset clip reads"),
    "prepare_phone2face": Bench("artimap.bench.prepare_phone2face:bench_prepare_phone2face",
                                "phone2face prepare speed, dataset + collate reads"),
    "prepare_audio": Bench("artimap.bench.prepare_audio:bench_prepare_audio",
                           "audio feature pass (48k -> 16k + log-mel): x real time per "
                           "CPU-second, 1 and 2 workers, an hour"),
    "l2t_models": Bench("artimap.bench.l2t_models:bench_models",
                        "lip2tongue model speed: streaming vs window recompute, batches, flow"),
    "lip2tongue": Bench("artimap.bench.lip2tongue:bench_lip2tongue",
                        "lip2tongue training: full data pipeline vs model alone"),
    "phone2face": Bench("artimap.bench.phone2face:bench_phone2face",
                        "phone2face inference, epoch time, convergence, bases"),
    "p2f_dominance": Bench("artimap.bench.p2f_dominance:bench_p2f_dominance",
                           "phone2face dominance model inference vs the BiGRU, an hour of phones"),
    "audio_stream": Bench("artimap.bench.audio_stream:bench_audio_stream",
                          "audio2tongue causal streaming: x real time per chunk size vs naive "
                          "recompute, 1 thread"),
    "contour": Bench("artimap.bench.contour:bench_contour",
                     "contour extractor vs real tongue labels (needs ARTIMAP_DATA)"),
    "gpu": Bench("artimap.bench.gpu:bench_gpu",
                 "GPU: AMP vs fp32 training steps/s, batched inference, peak memory (<5 min)"),
}

Result = dict[str, Any] | list[dict[str, Any]]


def listing() -> str:
    """One line per benchmark: name and help."""
    width = max(map(len, BENCHES))
    return "\n".join(f"{name:{width}s}  {b.help}" for name, b in BENCHES.items())


def lookup(name: str) -> Callable[[argparse.Namespace], Result]:
    """The function of benchmark `name`; an unknown name is an error listing the valid ones."""
    if name not in BENCHES:
        raise ArtimapError(f"unknown benchmark {name!r}; valid: {', '.join(BENCHES)} "
                           "(`artimap bench --list` says what each measures)")
    module, func = BENCHES[name].target.split(":")
    return getattr(importlib.import_module(module), func)


def run_bench(name: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run benchmark `name`; its result as a list of JSON-ready dicts."""
    result = lookup(name)(args)
    return result if isinstance(result, list) else [result]
