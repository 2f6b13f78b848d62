"""Lip video + ultrasound or tongue points -> a prepared lip2tongue dataset.

Only the command line lives here, so that `artimap --help` stays light; the work is in
`artimap.data.lip2tongue.prepare`.
"""

from __future__ import annotations

import argparse

from artimap.argtypes import hw_size, positive_float, positive_int
from artimap.commands.prepare_options import add_run_arguments, add_split_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the `artimap prepare lip2tongue` options to `p`."""
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
    p.add_argument("--target-size", type=hw_size, default=(128, 64),
                   help="HxW of ultrasound targets: depth x scanlines (default 128x64)")
    p.add_argument("--ultrasound", default="raw", choices=["raw", "fan"],
                   help="raw scanlines (depth down) or the scan-converted fan")
    p.add_argument("--flow", default="farneback", choices=["farneback", "dis"])
    p.add_argument("--resample", default="nearest", choices=["nearest", "linear"],
                   help="how the target is read at the lip frame times")
    add_split_arguments(p, "frames (a clip length)")
    p.add_argument("--lips", default="none", choices=["none", "measured"],
                   help="measured: also run the lip measurer (artimap lips) on every row's "
                        "full lip frame -> lips_measured.npy, the targets of "
                        "aux_lip_source: measured")
    add_run_arguments(p)


def run(args: argparse.Namespace) -> int:
    """CLI handler: prepare, then print one summary line."""
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings
    from artimap.parallel import default_workers

    settings = Settings(target=args.target, fps=args.fps, image_size=args.image_size,
                        target_size=tuple(args.target_size), ultrasound=args.ultrasound,
                        flow=args.flow, resample=args.resample, lips=args.lips)
    manifest = prepare(args.corpus, args.out, settings, fmt=args.format, roi=args.roi,
                       split=args.split, split_seed=args.split_seed,
                       split_lists=args.split_lists, val_block=args.val_block,
                       val_gap=args.val_gap, workers=args.workers or default_workers(),
                       skip_bad=args.skip_bad, overwrite=args.overwrite)
    print(f"prepared {len(manifest['utterances'])} utterances, {manifest['n_frames']} frames "
          f"({len(manifest['skipped'])} skipped) -> {args.out}")
    return 0
