"""Audio + tongue points, contours or ultrasound -> a prepared audio2tongue dataset.

Only the command line lives here, so that `artimap --help` stays light; the work is in
`artimap.data.audio2tongue.prepare`.
"""

from __future__ import annotations

import argparse

from artimap.argtypes import hw_size
from artimap.commands.prepare_options import add_run_arguments, add_split_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the `artimap prepare audio2tongue` options to `p`."""
    p.add_argument("--corpus", required=True, help="corpus folder (TaL/AAA export or talker)")
    p.add_argument("--out", required=True, help="output folder (must not exist)")
    p.add_argument("--target", default="points", choices=["points", "contour", "image"],
                   help="tongue points (DLC CSV or talker contour), the talker's contour, or "
                        "ultrasound images (.ult)")
    p.add_argument("--target-size", type=hw_size, default=(64, 64),
                   help="HxW of image targets: depth x scanlines (default 64x64)")
    p.add_argument("--ultrasound", default="raw", choices=["raw", "fan"],
                   help="image targets: raw scanlines (depth down) or the scan-converted fan")
    add_split_arguments(p, "target frames")
    add_run_arguments(p)


def run(args: argparse.Namespace) -> int:
    """CLI handler: prepare, then print one summary line."""
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.data.audio2tongue.prepare import prepare
    from artimap.data.audio2tongue.utterance import Settings
    from artimap.parallel import default_workers

    settings = Settings(target=args.target, target_size=tuple(args.target_size),
                        ultrasound=args.ultrasound)
    manifest = prepare(args.corpus, args.out, settings, split=args.split,
                       split_seed=args.split_seed, split_lists=args.split_lists,
                       val_block=args.val_block, val_gap=args.val_gap,
                       workers=args.workers or default_workers(), skip_bad=args.skip_bad,
                       overwrite=args.overwrite)
    print(f"prepared {len(manifest['utterances'])} utterances, {manifest['n_frames']} target "
          f"frames ({len(manifest['skipped'])} skipped) -> {args.out}")
    return 0
