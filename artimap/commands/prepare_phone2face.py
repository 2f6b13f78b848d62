"""Motion capture + phone alignments -> a prepared phone2face dataset.

Only the command line lives here, so that `artimap --help` stays light; the work is in
`artimap.data.phone2face.prepare`.
"""

from __future__ import annotations

import argparse

from artimap.argtypes import fractions3, non_negative_int, positive_float, positive_int


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of `artimap prepare phone2face`."""
    p.add_argument("--corpus", required=True, help="talker corpus or folder of motion+alignments")
    p.add_argument("--out", required=True, help="prepared dataset folder to create")
    p.add_argument("--format", default="auto", choices=("auto", "talker", "files"))
    p.add_argument("--tier", default=None, help="TextGrid tier with the phones")
    p.add_argument("--markers", default=None, metavar="PRESET|LIST",
                   help="preset (talker44) or comma-separated labels (default: the talker's 44 "
                        "face markers, else all but the head markers)")
    p.add_argument("--head-markers", default=None, metavar="LIST",
                   help="comma-separated rigid head markers, or 'none' (default: the talker's)")
    p.add_argument("--head-reference", default="corpus", choices=("corpus", "first", "mean"))
    p.add_argument("--min-head-markers", type=positive_int, default=3)
    p.add_argument("--fps", type=positive_float, default=120.0, help="output frame rate")
    p.add_argument("--max-gap", type=non_negative_int, default=12, metavar="FRAMES",
                   help="longest occlusion gap filled, in output frames")
    p.add_argument("--gap-method", default="cubic", choices=("cubic", "spline", "pchip", "linear"),
                   help="cubic: least-squares cubic over --gap-context seen frames each side")
    p.add_argument("--gap-context", type=positive_int, default=6)
    p.add_argument("--split", type=fractions3, default=(80.0, 10.0, 10.0),
                   metavar="TRAIN,VAL,TEST", help="percentages by utterance (default 80,10,10)")
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--strip-stress", action="store_true", help="AH0 -> AH")
    p.add_argument("--silence", default="sil",
                   help="symbol for every silence spelling ('none' keeps them as written)")
    p.add_argument("--phone-fallback", default=None,
                   help="phone for labels outside the phone set (default: such labels are errors)")
    p.add_argument("--phone-set", default=None, metavar="FILE",
                   help="the corpus's phones, whitespace-separated (default: a talker corpus's "
                        "corpus.json, else every phone in every alignment of the corpus)")
    p.add_argument("--min-phone-frames", type=non_negative_int, default=10, metavar="N",
                   help="warn about phones with fewer training frames (default 10)")
    p.add_argument("--workers", type=positive_int, default=None, metavar="W",
                   help="processes (default: the usable cores)")
    p.add_argument("--skip-bad", action="store_true", help="leave out (and list) bad utterances")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def run(args: argparse.Namespace) -> int:
    """Handler of `artimap prepare phone2face`."""
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
    from artimap.data.prepared import Prepared
    from artimap.parallel import default_workers

    cfg = PrepareConfig(
        format=args.format, tier=args.tier, markers=args.markers, head_markers=args.head_markers,
        head_reference=args.head_reference, min_head_markers=args.min_head_markers, fps=args.fps,
        max_gap=args.max_gap, gap_method=args.gap_method, gap_context=args.gap_context,
        split=args.split,
        split_seed=args.split_seed, strip_stress=args.strip_stress,
        silence=None if args.silence.lower() == "none" else args.silence,
        fallback=args.phone_fallback, phone_set=args.phone_set,
        min_phone_frames=args.min_phone_frames,
    )
    workers = args.workers or default_workers()
    out = prepare_phone2face(args.corpus, args.out, cfg, workers, args.skip_bad, args.overwrite)
    prepared = Prepared.open(out, "phone2face")
    manifest, split = prepared.manifest, prepared.splits
    sizes = ", ".join(f"{k} {len(v)}" for k, v in split.items())
    print(f"{out}: {len(manifest['utterances'])} utterances ({sizes}), {manifest['n_frames']} "
          f"frames of {len(manifest['markers'])} markers at {manifest['rate']:g} fps, "
          f"{manifest['n_phones']} phones")
    return 0
