"""`artimap contour INPUT`: tongue contours of an ultrasound recording as CSV, DeepLabCut CSV
and overlay video; with --labels / --splines, their MSD against hand or AAA contours."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from artimap.config import load_config
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_text
from artimap.progress import step
from artimap.ultrasound.contour_config import ContourConfig

# One line per ContourConfig field, shown by --help (the README has the longer story).
SETTING_HELP = {
    "sigma": "Gaussian smoothing of the image before scoring, pixels",
    "width": "half-width of the step detector along a line, samples",
    "band": "depths searched, two fractions of the line length, e.g. 0.2,0.95",
    "min_contrast": "reject lines whose step is below this many grey levels",
    "rel_contrast": "... or below this fraction of the frame's strong lines (90th percentile)",
    "max_slope": "largest depth change per unit of lateral distance between lines",
    "depth_gain": "weight 1 + gain * depth / length: prefer the outermost ridge",
    "median": "median filter length over lines (odd; 1 = off)",
    "savgol": "Savitzky-Golay window over lines (odd; 1 = off)",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("contour", help="extract tongue contours from ultrasound",
                       description=__doc__)
    p.add_argument("input", help="AAA .ult (with its .param/US.txt), fan video, or image folder")
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--param", default=None,
                   help=".param/US.txt of the recording: for a .ult not beside it, or to get mm "
                        "for a fan video/folder scan-converted with artimap")
    p.add_argument("--probe", choices=("bottom", "top"), default="bottom",
                   help="where the probe is in fan images (default: bottom)")
    p.add_argument("--fps", type=float, default=30.0, help="overlay rate for image folders")
    p.add_argument("--rays", type=int, default=160, help="rays searched in fan images")
    p.add_argument("--labels", default=None, help="DeepLabCut CSV of hand-labelled contours")
    p.add_argument("--points", default=None,
                   help="comma list of label points forming the contour (default: the 11 "
                        "tongue points when present, else all)")
    p.add_argument("--splines", default=None, help="AAA spline export to compare a .ult with")
    p.add_argument("--no-video", action="store_true", help="skip the overlay video")
    p.add_argument("--config", default=None, help="YAML with ContourConfig keys")
    for f in dataclasses.fields(ContourConfig):
        p.add_argument("--" + f.name.replace("_", "-"), dest=f"cfg_{f.name}", default=None,
                       help=f"{SETTING_HELP[f.name]} (default {f.default})")
    p.set_defaults(func=run)


def contour_config(args: argparse.Namespace) -> ContourConfig:
    """ContourConfig from --config, then the per-setting flags."""
    overrides = []
    for f in dataclasses.fields(ContourConfig):
        v = getattr(args, f"cfg_{f.name}", None)
        if v is not None:
            overrides.append(f"{f.name}=[{v}]" if f.name == "band" else f"{f.name}={v}")
    return load_config(ContourConfig, args.config, overrides)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.ultrasound import contour_eval as ev
    from artimap.ultrasound import contour_run as cr
    from artimap.ultrasound.contour_source import load_source

    cfg = contour_config(args)
    if args.labels and args.splines:
        raise ArtimapError("give --labels or --splines, not both")
    step("contour", f"reading {args.input}")
    src = load_source(args.input, args.param, args.probe, args.fps)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    step("contour", f"extracting the contours of {len(src.frames)} frames")
    c = cr.extract_source(src, cfg, args.rays)
    cr.write_contour_csv(out / "contours.csv", src, c)
    cr.write_contour_dlc(out / "contours_dlc.csv", src, c)
    result: dict = {"input": str(args.input), "frames": len(c.px), "mm": c.mm is not None,
                    "config": dataclasses.asdict(cfg)}
    drawn = None
    if args.labels or args.splines:
        step("contour", f"scoring against {args.labels or args.splines}")
        points = args.points.split(",") if args.points else None
        rows, summary = (ev.eval_labels(src, c, args.labels, points) if args.labels
                         else ev.eval_splines(src, c, args.splines))
        ev.write_rows(out / "msd_per_frame.csv", rows)
        result["msd"] = summary
        result["msd_legend"] = ev.SUMMARY_LEGEND
        if args.labels:
            drawn = ev.labels_on_frames(src, args.labels, points)
    if not args.no_video:
        step("contour", f"writing {out / 'overlay.mp4'}")
        cr.write_overlay(out / "overlay.mp4", src, c, drawn)
    atomic_write_text(out / "summary.json", json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return 0
