"""A prepared phone2face dataset + its wavs -> a prepared audio2face dataset.

Only the command line lives here, so that `artimap --help` stays light; the work is in
`artimap.data.audio2face.prepare`.
"""

from __future__ import annotations

import argparse

from artimap.commands.prepare_options import add_run_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the `artimap prepare audio2face` options to `p`."""
    p.add_argument("--from", dest="source", required=True,
                   help="a prepared phone2face folder (`artimap prepare phone2face`)")
    p.add_argument("--out", required=True, help="output folder (must not exist)")
    p.add_argument("--corpus", default=None,
                   help="folder of the wavs (default: the corpus phone2face was prepared from)")
    add_run_arguments(p)


def run(args: argparse.Namespace) -> int:
    """CLI handler: prepare, then print one summary line."""
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.data.audio2face.prepare import prepare
    from artimap.parallel import default_workers

    manifest = prepare(args.source, args.out, args.corpus,
                       workers=args.workers or default_workers(), skip_bad=args.skip_bad,
                       overwrite=args.overwrite)
    print(f"prepared {len(manifest['utterances'])} utterances, {manifest['n_frames']} marker "
          f"frames ({len(manifest['skipped'])} skipped) -> {args.out}")
    return 0
