"""Lip video + ultrasound or tongue points -> synchronised, cropped, optical-flow dataset.

    artimap prepare lip2tongue --corpus DIR --out DIR [--format auto|aaa|frames|talker]
        [--target image|points] [--roi auto|X,Y,W,H|ROI.json] [--fps 60] [--image-size 96]
        [--target-size HxW] [--ultrasound raw|fan] [--flow farneback|dis]
        [--split 60,20,20] [--split-seed 0] [--split-lists train.txt,val.txt,test.txt]
        [--lips none|measured] [--workers W] [--skip-bad] [--overwrite]

The output folder (written atomically) holds manifest.json, split.json, stats.json and
frames.npy (F, S, S) uint8, flow.npy (F, 2, S, S) float16, targets.npy (F, H_t, W_t) uint8 or
(F, K, 2) float32; see `dataset.py` for what the arrays mean and `sync.py` for the clocks.
`--lips measured` adds lips_measured.npy (F, 4) float32, the lip measurer's aperture, width,
outer height and opening area of every row's full lip frame (`artimap.lips.per_frame`,
described under "lips_measured" in the manifest).

Bad input stops with an ArtimapError naming the utterance, the file and the fix (with
--skip-bad the utterance is warned about, listed under "skipped" in the manifest and left out):
truncated `.ult`, missing or non-numeric parameter keys, no parameter file, unreadable video,
streams that do not overlap in time, and point files that run past the end of the lip video
(more than POINTS_OVERRUN_S; such rows cannot have been tracked on this recording's common
span). An ultrasound recording longer than the video is normal (AAA keeps recording until the
audio stops) and is simply trimmed to the common span; its trimmed frames are counted in the
sync summary. An empty corpus names the file patterns looked for.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from artimap.data.common import (
    SPLITS,
    carve_val_blocks,
    prepared_dir,
    read_split_lists,
    split_ids,
    write_manifest,
    write_stats,
)
from artimap.data.lip2tongue.assemble import concatenate_parts, speaker_boxes
from artimap.data.lip2tongue.flow import check_method, flow_settings
from artimap.data.lip2tongue.normalise import fit_normalisation
from artimap.data.lip2tongue.roi import parse_roi_spec
from artimap.data.lip2tongue.sources import discover
from artimap.data.lip2tongue.streams import UNITS
from artimap.data.lip2tongue.utterance import Job, Settings, run_job
from artimap.data.prepared import Prepared
from artimap.data.tongue_points import DLC_FPS
from artimap.errors import ArtimapError
from artimap.lips.per_frame import record as measured_lips_record
from artimap.parallel import parallel_map

MANIFEST_VERSION = 1


def prepare(corpus: str | Path, out: str | Path, settings=None, *, fmt: str = "auto",
            roi: str = "auto", split=(60.0, 20.0, 20.0), split_seed: int = 0,
            split_lists=None, workers: int = 1, skip_bad: bool = False,
            overwrite: bool = False, val_block: float = 0.0, val_gap: int = 7) -> dict:
    """Prepare a lip2tongue dataset from `corpus` into `out`; returns the manifest.

    `settings` is a `Settings` (defaults when None). Bad utterances raise ArtimapError naming
    the utterance and file, or with `skip_bad` are warned about and listed in "skipped".
    `val_block` > 0 carves the last fraction of every training utterance into a validation
    utterance `<id>@val`, `val_gap` frames after the training part (`common.carve_val_blocks`).
    """

    settings = settings or Settings()
    check_method(settings.flow)
    # absolute: the manifest's file paths must lead back to the corpus (truth, oracles) from
    # wherever the dataset is used later, not only from the folder prepare ran in
    corpus = Path(corpus).resolve()
    if Path(out).exists() and not overwrite:  # before the slow part; atomic_dir checks again
        raise ArtimapError(f"{out}: already exists; remove it or pass --overwrite")
    fmt, utts = discover(corpus, fmt, settings.target)
    if split_lists is not None:
        utts = _listed_only(utts, split_lists)
    spec = parse_roi_spec(roi)
    boxes, skipped = speaker_boxes(utts, spec, settings.fps, workers, skip_bad)
    for u in utts:
        if u.id not in boxes and u.id not in skipped:
            skipped[u.id] = (f"no mouth box: no video of speaker {u.speaker} could be read; "
                             "pass --roi X,Y,W,H")
    with prepared_dir(out, overwrite) as tmp:
        parts = tmp / "parts"
        parts.mkdir()
        entries = _run_jobs(utts, boxes, parts, settings, workers, skip_bad, skipped)
        _warn_skipped(skipped)
        manifest = _write(tmp, parts, entries, skipped, utts, settings,
                          {"corpus": str(corpus), "format": fmt, "roi": roi},
                          (split, split_seed, split_lists), (val_block, val_gap))
    return manifest


def _run_jobs(utts, boxes, parts: Path, settings, workers: int, skip_bad: bool,
              skipped: dict[str, str]) -> list[dict]:
    """Prepare every utterance with a box; add failures to `skipped`; return the entries."""

    jobs = [Job(i, u, boxes[u.id], parts, settings, skip_bad)
            for i, u in enumerate(utts) if u.id in boxes]
    results = parallel_map(run_job, jobs, workers, desc="lip2tongue")
    entries = []
    for job, res in zip(jobs, results):
        if "error" in res:
            skipped[res["id"]] = res["error"]
        else:
            entries.append({**res, "index": job.index})
    return entries


def _warn_skipped(skipped: dict[str, str]) -> None:
    for uid, err in skipped.items():
        warnings.warn(f"skipped utterance {uid}: {err}", stacklevel=3)


def _write(tmp: Path, parts: Path, entries: list[dict], skipped: dict[str, str], utts,
           settings, source: dict, split_args, val_args=(0.0, 0)) -> dict:
    """Concatenate the parts, write manifest.json, split.json and stats.json into `tmp`."""

    if not entries:
        first = next(iter(skipped.items()), ("", "no utterances"))
        raise ArtimapError(f"all {len(utts)} utterances are bad; nothing to prepare "
                           f"(first: {first[0]}: {first[1]})")
    arrays = concatenate_parts(parts, tmp, entries, settings.arrays())
    shutil.rmtree(parts)
    kinds = {u.kind for u in utts}
    names = [e.pop("point_names", None) for e in entries]
    if any(n != names[0] for n in names):
        raise ArtimapError("utterances have different point names; prepare them separately")
    for e in entries:
        e.pop("index")
    fans = [e.get("fan_image") for e in entries]
    manifest = {
        "task": "lip2tongue",
        "version": MANIFEST_VERSION,
        **source,
        "settings": settings.to_dict(),
        "flow": flow_settings(settings.flow),
        "target_units": "; ".join(UNITS[k] for k in sorted(kinds)),
        "point_names": names[0] or [],
        "n_frames": sum(e["n_frames"] for e in entries),
        "arrays": arrays,
        "utterances": entries,
        "skipped": [{"id": k, "error": v} for k, v in skipped.items()],
    }
    if settings.lips == "measured":
        manifest["lips_measured"] = measured_lips_record()
    if fans and fans[0] is not None and all(f == fans[0] for f in fans):
        manifest["fan_image"] = fans[0]  # one exact fan geometry for every target image
    if "dlc" in kinds:
        manifest["dlc_clock"] = f"row k at TimeInSecsOfFirstFrame + k / {DLC_FPS:g} s"
    split = _split([e["id"] for e in entries], [u.id for u in utts], *split_args)
    if val_args[0] > 0:
        manifest["utterances"], split = carve_val_blocks(entries, split, *val_args)
        manifest["val_block"] = {"fraction": val_args[0], "gap": val_args[1]}
    write_manifest(tmp, manifest, split)
    write_stats(tmp, fit_normalisation(Prepared.open(tmp, "lip2tongue")))
    return manifest


def _listed_only(utts: list, lists) -> list:
    """The utterances some --split-lists file names; the others are left out, with a warning."""

    given = read_split_lists(dict(zip(SPLITS, lists)), [u.id for u in utts])
    listed = {uid for ids in given.values() for uid in ids}
    left = [u.id for u in utts if u.id not in listed]
    if left:
        shown = ", ".join(left[:5]) + (", ..." if len(left) > 5 else "")
        warnings.warn(f"{len(left)} of {len(utts)} utterances are in no --split-lists file and "
                      f"are left out ({shown}); add them to a list to prepare them",
                      stacklevel=3)
    return [u for u in utts if u.id in listed]


def _split(kept: list[str], all_ids: list[str], fractions, seed: int, lists) -> dict:
    if lists is None:
        return split_ids(kept, fractions, seed)
    given = read_split_lists(dict(zip(SPLITS, lists)), all_ids)
    keep = set(kept)
    return {name: [i for i in given[name] if i in keep] for name in SPLITS}
