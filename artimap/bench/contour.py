"""`artimap bench contour`: the automatic contour extractor against real hand-labelled and
AAA-traced tongue contours (see artimap.ultrasound.contour_eval)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.bench.timing import time_once
from artimap.errors import ArtimapError
from artimap.ultrasound.contour_eval import default_data_root, eval_aaa, eval_ultrasound_labels


def bench_contour(args) -> dict:
    """`artimap bench contour`: extractor accuracy on the real references (see module doc)."""
    root = Path(getattr(args, "data", None) or default_data_root())
    if not (root / "ultrasound_labels").is_dir():
        raise ArtimapError(f"{root}: no ultrasound_labels folder. Set ARTIMAP_DATA to the "
                           "folder holding ultrasound_labels/ and aaa_ult/")
    limit = 5 if getattr(args, "quick", False) else None
    run = time_once(lambda: _evaluate(root, limit))
    return {**run.value, "seconds": round(run.min_s, 2)}


def _evaluate(root: Path, limit: int | None) -> dict:
    """Mean distances over the labelled sets, per set, and on File156 when present."""
    sets = eval_ultrasound_labels(root / "ultrasound_labels", limit=limit)
    out: dict = {"bench": "contour", "unit": "px (320x240 fan images)"}
    for key in ("msd_px", "baseline_px", "msd_r_px", "baseline_r_px"):
        out[f"ultrasound_labels_{key}"] = round(float(np.mean([s[key] for s in sets.values()])), 3)
    out["per_set"] = sets
    aaa = root / "aaa_ult" / "File156_gap"
    if aaa.is_dir():
        f156 = eval_aaa(aaa, limit=30 if limit else None)
        out.update({f"file156_{k}": v for k, v in f156.items()})
    return out
