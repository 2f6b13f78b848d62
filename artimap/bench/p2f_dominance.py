"""`artimap bench p2f_dominance`: inference speed of the dominance model against the BiGRU.

Both models random (speed does not depend on the weights), one torch thread, phones at 60 fps
(the demo's rate) in runs of 6 frames (~10 phones per second): one 60 s utterance in
interleaved rounds (the BiGRU at the demo's size, 2 x 64 units, is the baseline of the ratio;
also at the paper's 128 units), then one hour of phones through the dominance model alone,
which the BiGRU would take minutes for.
"""

from __future__ import annotations

import argparse
from typing import Any

import torch

from artimap.bench.timing import compare, time_once
from artimap.models import build_model
from artimap.parallel import torch_threads

RATE = 60.0  # frames per second
RUN = 6  # frames per phone run


def _phones(seconds: float, n_phones: int) -> torch.Tensor:
    """(1, T) random phone ids at RATE in runs of RUN frames, seeded."""
    g = torch.Generator().manual_seed(0)
    runs = torch.randint(0, n_phones, (1, int(seconds * RATE) // RUN), generator=g)
    return runs.repeat_interleave(RUN, dim=1)


def bench_p2f_dominance(args: argparse.Namespace) -> dict[str, Any]:
    """x real time per model on one utterance, their ratio, and an hour through the dominance
    model (see the module doc)."""
    quick = bool(getattr(args, "quick", False))
    seconds, hour_s = (10.0, 60.0) if quick else (60.0, 3600.0)
    size = {"n_phones": 40, "n_out": 132}
    torch.manual_seed(0)
    models = {"dominance": build_model("phone2face_dominance", {**size, "fps": RATE}).eval(),
              "bigru_64": build_model("phone2face_bigru", {**size, "hidden": 64}).eval(),
              "bigru_128": build_model("phone2face_bigru", size).eval()}
    x = _phones(seconds, 40)
    calls = {name: (lambda m=m: m(x)) for name, m in models.items()}
    with torch_threads(1), torch.inference_mode():
        timed = compare(calls, rounds=2 if quick else 5, warmup=1, baseline="bigru_64")
        long = _phones(hour_s, 40)
        hour = time_once(lambda: models["dominance"](long))
    out: dict[str, Any] = {"bench": "p2f_dominance", "threads": 1, "rate_fps": RATE,
                           "utterance_s": seconds}
    for name in models:
        t = timed[name]
        out[name] = {"median_s": t.median_s, "x_real_time": seconds / t.median_s,
                     "time_vs_bigru_64": timed.ratio(name)}
    out["long"] = {"speech_s": hour_s, "frames": int(long.shape[1]), "wall_s": hour.wall[0],
                   "x_real_time": hour_s / hour.wall[0]}
    return out
