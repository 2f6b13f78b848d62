"""`artimap study make EXPERIMENT --frames 40 --out STUDY`: the material of a rating study.

The methods are the experiment's rows (lip2tongue runs that predict images; the first seed of
each row), each re-predicting the same random test frames, so any number of frames can be
asked for (eval/samples.npz keeps only a few).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_text
from artimap.progress import step
from artimap.runfind import Run, find_runs, group
from artimap.study.design import STUDY_FILE, image_path
from artimap.tasks.lip2tongue.evaluate import predict_random_frames


def _methods(experiment: Path) -> list[Run]:
    """The first-seed run of every lip2tongue row below `experiment`."""
    runs = [r for r in find_runs(experiment) if r.task == "lip2tongue"]
    if not runs:
        raise ArtimapError(f"{experiment}: no lip2tongue run found; a rating study compares "
                           "predicted ultrasound images")
    exp = next(iter(group(runs).values()))  # the first dataset's runs
    by_dir = {str(r.dir): r for r in runs}
    return [by_dir[row["run_dirs"][0]] for row in exp["runs"]]


def _png(image: np.ndarray, path: Path) -> None:
    """Write an (H, W) image on the 0..255 scale as an 8-bit PNG."""
    ok, data = cv2.imencode(".png", np.clip(np.rint(image), 0, 255).astype(np.uint8))
    if not ok:
        raise ArtimapError(f"{path}: could not encode the image")
    path.write_bytes(data.tobytes())


def make_study(experiment: str | Path, out: str | Path, frames: int = 40, seed: int = 0) -> Path:
    """Write STUDY/study.json and STUDY/images/ (see artimap.study.design); returns STUDY."""
    experiment, out = Path(experiment), Path(out)
    if (out / STUDY_FILE).exists():
        raise ArtimapError(f"{out}: a study is already there; choose another --out (its "
                           "ratings would no longer match new frames)")
    if frames < 1:
        raise ArtimapError(f"--frames must be at least 1, got {frames}")
    runs = _methods(experiment)
    preds = {}
    for k, r in enumerate(runs):
        step("study make", f"predicting {frames} test frames with row {r.name} "
                           f"({k + 1}/{len(runs)})")
        preds[r.name] = predict_random_frames(r.dir, frames, seed)
    first = next(iter(preds.values()))
    if first["real"].ndim != 3 or first["real"].shape[-1] == 2:
        raise ArtimapError(f"{runs[0].dir}: predicts tongue points, not images; a rating "
                           "study needs image targets")
    for name, got in preds.items():
        if not (np.array_equal(got["utterance"], first["utterance"])
                and np.array_equal(got["frame"], first["frame"])):
            raise ArtimapError(f"{experiment}: row {name!r} sees other test frames than "
                               f"{runs[0].name!r} (other data or clip length); a study "
                               "compares methods on the same frames")
    images = {name: got["pred"] for name, got in preds.items()}
    step("study make", f"writing {frames * (len(images) + 1)} images to {out / 'images'}")
    (out / "images").mkdir(parents=True, exist_ok=True)
    for i in range(frames):
        _png(first["real"][i], image_path(out, i, None))
        for k, stack in enumerate(images.values()):
            _png(stack[i], image_path(out, i, k))
    study = {"experiment": str(experiment.resolve()), "task": "lip2tongue", "seed": seed,
             "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "methods": list(images),
             "runs": {r.name: str(r.dir.resolve()) for r in runs},
             "frames": [{"utterance_id": str(u), "frame": int(f)}
                        for u, f in zip(first["utterance_id"], first["frame"])]}
    atomic_write_text(out / STUDY_FILE, json.dumps(study, indent=1) + "\n")
    return out
