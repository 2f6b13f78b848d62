"""Audio + tongue targets -> a prepared audio2tongue dataset.

    artimap prepare audio2tongue --corpus DIR --out DIR [--target points|contour|image]
        [--target-size HxW] [--ultrasound raw|fan] [--split 60,20,20] [--split-seed 0]
        [--split-lists train.txt,val.txt,test.txt] [--val-block F --val-gap G]
        [--workers W] [--skip-bad] [--overwrite]

The folder (written atomically) holds manifest.json, split.json, stats.json (log-mel and target
statistics of the training split), targets.npy ((F, K, 2) float32 points or (F, H_t, W_t) uint8
images, at the targets' own frame times), mel_frame.npy, times.npy and the log-mel stream
mel.npy (see `artimap.data.audio.stream`). Bad input (damaged, silent or non-finite wav, audio
that does not cover its targets, unreadable targets) stops with one line naming the utterance
and file, or with --skip-bad is warned about and listed under "skipped".
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np

from artimap.data.audio.parts import concatenate_parts
from artimap.data.audio.stream import mel_stats, target_stats
from artimap.data.audio2tongue.sources import discover
from artimap.data.audio2tongue.targets import UNITS
from artimap.data.audio2tongue.utterance import ARRAYS, STREAMS, Job, Settings, run_job
from artimap.data.common import (
    SPLITS,
    carve_val_blocks,
    prepared_dir,
    read_split_lists,
    split_ids,
    write_manifest,
    write_stats,
)
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.parallel import parallel_map

TASK = "audio2tongue"
MANIFEST_VERSION = 1


def prepare(corpus: str | Path, out: str | Path, settings: Settings | None = None, *,
            split=(60.0, 20.0, 20.0), split_seed: int = 0, split_lists=None,
            val_block: float = 0.0, val_gap: int = 7, workers: int = 1,
            skip_bad: bool = False, overwrite: bool = False) -> dict:
    """Prepare `corpus` into `out`; returns the manifest. `val_block` > 0 holds out the last
    fraction of every training utterance as `<id>@val`, `val_gap` target frames after its
    training part (`artimap.data.common.carve_val_blocks`)."""
    settings = settings or Settings()
    corpus = Path(corpus).resolve()  # file paths that lead back from any working folder
    if Path(out).exists() and not overwrite:
        raise ArtimapError(f"{out}: already exists; remove it or pass --overwrite")
    fmt, utts = discover(corpus, settings.target)
    if split_lists is not None:
        listed = {i for ids in read_split_lists(dict(zip(SPLITS, split_lists)),
                                                [u.id for u in utts]).values() for i in ids}
        utts = [u for u in utts if u.id in listed]
    with prepared_dir(out, overwrite) as tmp:
        parts = tmp / "parts"
        parts.mkdir()
        jobs = [Job(i, u, parts, settings, skip_bad) for i, u in enumerate(utts)]
        results = parallel_map(run_job, jobs, workers, desc=TASK)
        skipped = {r["id"]: r["error"] for r in results if "error" in r}
        entries = [{**r, "index": j.index} for j, r in zip(jobs, results) if "error" not in r]
        for uid, err in skipped.items():
            warnings.warn(f"skipped utterance {uid}: {err}", stacklevel=2)
        if not entries:
            raise ArtimapError(f"all {len(utts)} utterances are bad; nothing to prepare")
        arrays, streams = concatenate_parts(parts, tmp, entries, ARRAYS, STREAMS)
        shutil.rmtree(parts)
        manifest = _manifest(entries, skipped, settings, arrays, streams,
                             {"corpus": str(corpus), "format": fmt})
        split = _split([e["id"] for e in entries], [u.id for u in utts], split, split_seed,
                       split_lists)
        if val_block > 0:
            manifest["utterances"], split = carve_val_blocks(manifest["utterances"], split,
                                                             val_block, val_gap)
            manifest["val_block"] = {"fraction": val_block, "gap": val_gap}
        write_manifest(tmp, manifest, split)
        prepared = Prepared.open(tmp, TASK)
        write_stats(tmp, {"mel": mel_stats(prepared), "target": target_stats(prepared)})
    return manifest


def _manifest(entries: list[dict], skipped: dict[str, str], settings: Settings, arrays: dict,
              streams: dict, source: dict) -> dict:
    names = [e.pop("point_names", []) for e in entries]
    if any(n != names[0] for n in names):
        raise ArtimapError("utterances have different point names; prepare them separately")
    for e in entries:
        e.pop("index")
    kinds = sorted({e["target_kind"] for e in entries})
    return {"task": TASK, "version": MANIFEST_VERSION, **source,
            "settings": settings.to_dict(), "target_units": "; ".join(UNITS[k] for k in kinds),
            "point_names": names[0],
            "target_fps": float(np.median([e["target_fps"] for e in entries])),
            "n_frames": sum(e["n_frames"] for e in entries), "arrays": arrays,
            "streams": streams, "utterances": entries,
            "skipped": [{"id": k, "error": v} for k, v in skipped.items()]}


def _split(kept: list[str], all_ids: list[str], fractions, seed: int, lists) -> dict:
    if lists is None:
        return split_ids(kept, fractions, seed)
    given = read_split_lists(dict(zip(SPLITS, lists)), all_ids)
    keep = set(kept)
    return {name: [i for i in given[name] if i in keep] for name in SPLITS}
