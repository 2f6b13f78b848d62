"""Lip video + ultrasound or tongue points -> synchronised, cropped, optical-flow dataset.

    artimap prepare lip2tongue --corpus DIR --out DIR [--format auto|aaa|frames|talker]
        [--target image|points] [--roi auto|X,Y,W,H|ROI.json] [--fps 60] [--image-size 96]
        [--target-size HxW] [--ultrasound raw|fan] [--flow farneback|dis]
        [--split 60,20,20] [--split-seed 0] [--split-lists train.txt,val.txt,test.txt]
        [--workers W] [--skip-bad] [--overwrite]

The output folder (written atomically) holds manifest.json, split.json, stats.json and
frames.npy (F, S, S) uint8, flow.npy (F, 2, S, S) float16, targets.npy (F, H_t, W_t) uint8 or
(F, K, 2) float32; see `dataset.py` for what the arrays mean and `sync.py` for the clocks.

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

import argparse
import shutil
import warnings
from pathlib import Path

from artimap.errors import ArtimapError

MANIFEST_VERSION = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the `artimap prepare lip2tongue` options to `p`."""
    from artimap.commands._args import non_negative_int, positive_float, positive_int

    p.add_argument("--corpus", required=True, help="corpus folder")
    p.add_argument("--out", required=True, help="output folder (must not exist)")
    p.add_argument("--format", default="auto", choices=["auto", "aaa", "frames", "talker"])
    p.add_argument("--target", default="image", choices=["image", "points"],
                   help="ultrasound images or tongue points (DLC / contour truth)")
    p.add_argument("--roi", default="auto",
                   help="mouth box: auto, X,Y,W,H in video pixels, or a JSON file "
                        '{"speaker": [x, y, w, h], "*": [...]} (default auto)')
    p.add_argument("--fps", type=positive_float, default=60.0,
                   help="output rate on the lip clock; also the rate of frame folders")
    p.add_argument("--image-size", type=positive_int, default=96, help="lip crop side, pixels")
    p.add_argument("--target-size", type=_size, default=(128, 64),
                   help="HxW of ultrasound targets: depth x scanlines (default 128x64)")
    p.add_argument("--ultrasound", default="raw", choices=["raw", "fan"],
                   help="raw scanlines (depth down) or the scan-converted fan")
    p.add_argument("--flow", default="farneback", choices=["farneback", "dis"])
    p.add_argument("--resample", default="nearest", choices=["nearest", "linear"],
                   help="how the target is read at the lip frame times")
    p.add_argument("--split", type=_fractions, default=(60.0, 20.0, 20.0),
                   help="train,val,test proportions by utterance (default 60,20,20)")
    p.add_argument("--split-seed", type=non_negative_int, default=0)
    p.add_argument("--split-lists", type=_lists, default=None,
                   help="train.txt,val.txt,test.txt: utterance ids per line, instead of --split")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="worker processes (default: the usable cores)")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip utterances with bad input (listed in the manifest) instead of "
                        "stopping")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def _size(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW, e.g. 128x64, got {text!r}") from None
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return h, w


def _fractions(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 0 or sum(parts) <= 0:
        raise argparse.ArgumentTypeError(f"expected three proportions like 60,20,20, got {text!r}")
    return parts  # type: ignore[return-value]


def _lists(text: str) -> tuple[str, str, str]:
    parts = tuple(text.split(","))
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("expected train.txt,val.txt,test.txt")
    return parts  # type: ignore[return-value]


def run(args: argparse.Namespace) -> int:
    """CLI handler: prepare, then print one summary line."""
    from artimap.data.common import default_workers
    from artimap.data.lip2tongue.utterance import Settings

    settings = Settings(target=args.target, fps=args.fps, image_size=args.image_size,
                        target_size=tuple(args.target_size), ultrasound=args.ultrasound,
                        flow=args.flow, resample=args.resample)
    manifest = prepare(args.corpus, args.out, settings, fmt=args.format, roi=args.roi,
                       split=args.split, split_seed=args.split_seed,
                       split_lists=args.split_lists, workers=args.workers or default_workers(),
                       skip_bad=args.skip_bad, overwrite=args.overwrite)
    print(f"prepared {len(manifest['utterances'])} utterances, {manifest['n_frames']} frames "
          f"({len(manifest['skipped'])} skipped) -> {args.out}")
    return 0


def prepare(corpus: str | Path, out: str | Path, settings=None, *, fmt: str = "auto",
            roi: str = "auto", split=(60.0, 20.0, 20.0), split_seed: int = 0,
            split_lists=None, workers: int = 1, skip_bad: bool = False,
            overwrite: bool = False) -> dict:
    """Prepare a lip2tongue dataset from `corpus` into `out`; returns the manifest.

    `settings` is a `Settings` (defaults when None). Bad utterances raise ArtimapError naming
    the utterance and file, or with `skip_bad` are warned about and listed in "skipped".
    """
    from artimap.data.lip2tongue.assemble import speaker_boxes
    from artimap.data.lip2tongue.flow import check_method
    from artimap.data.lip2tongue.roi import parse_roi_spec
    from artimap.data.lip2tongue.sources import discover
    from artimap.data.lip2tongue.utterance import Settings
    from artimap.fsutil import atomic_dir

    settings = settings or Settings()
    check_method(settings.flow)
    if Path(out).exists() and not overwrite:  # before the slow part; atomic_dir checks again
        raise ArtimapError(f"{out}: already exists; remove it or pass --overwrite")
    fmt, utts = discover(corpus, fmt, settings.target)
    spec = parse_roi_spec(roi)
    boxes, skipped = speaker_boxes(utts, spec, settings.fps, workers, skip_bad)
    for u in utts:
        if u.id not in boxes and u.id not in skipped:
            skipped[u.id] = (f"no mouth box: no video of speaker {u.speaker} could be read; "
                             "pass --roi X,Y,W,H")
    with atomic_dir(out, overwrite=overwrite) as tmp:
        parts = tmp / "parts"
        parts.mkdir()
        entries = _run_jobs(utts, boxes, parts, settings, workers, skip_bad, skipped)
        _warn_skipped(skipped)
        manifest = _write(tmp, parts, entries, skipped, utts, settings,
                          {"corpus": str(corpus), "format": fmt, "roi": roi},
                          (split, split_seed, split_lists))
    return manifest


def _run_jobs(utts, boxes, parts: Path, settings, workers: int, skip_bad: bool,
              skipped: dict[str, str]) -> list[dict]:
    """Prepare every utterance with a box; add failures to `skipped`; return the entries."""
    from artimap.data.common import parallel_map
    from artimap.data.lip2tongue.utterance import Job, run_job

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
           settings, source: dict, split_args) -> dict:
    """Concatenate the parts, write manifest.json, split.json and stats.json into `tmp`."""
    from artimap.data.common import write_manifest
    from artimap.data.lip2tongue.assemble import concatenate_parts
    from artimap.data.lip2tongue.flow import flow_settings
    from artimap.data.lip2tongue.normalise import STATS_FILE, fit_normalisation
    from artimap.data.lip2tongue.streams import UNITS
    from artimap.data.lip2tongue.sync import DLC_FPS
    from artimap.fsutil import atomic_write_json

    if not entries:
        first = next(iter(skipped.items()), ("", "no utterances"))
        raise ArtimapError(f"all {len(utts)} utterances are bad; nothing to prepare "
                           f"(first: {first[0]}: {first[1]})")
    arrays = concatenate_parts(parts, tmp, entries)
    shutil.rmtree(parts)
    kinds = {u.kind for u in utts}
    names = [e.pop("point_names", None) for e in entries]
    if any(n != names[0] for n in names):
        raise ArtimapError("utterances have different point names; prepare them separately")
    for e in entries:
        e.pop("index")
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
    if "dlc" in kinds:
        manifest["dlc_clock"] = f"row k at TimeInSecsOfFirstFrame + k / {DLC_FPS:g} s"
    write_manifest(tmp, manifest, _split([e["id"] for e in entries],
                                         [u.id for u in utts], *split_args))
    atomic_write_json(tmp / STATS_FILE, fit_normalisation(tmp))
    return manifest


def _split(kept: list[str], all_ids: list[str], fractions, seed: int, lists) -> dict:
    from artimap.data.common import SPLITS, read_split_lists, split_ids

    if lists is None:
        return split_ids(kept, fractions, seed)
    given = read_split_lists(dict(zip(SPLITS, lists)), all_ids)
    keep = set(kept)
    return {name: [i for i in given[name] if i in keep] for name in SPLITS}
