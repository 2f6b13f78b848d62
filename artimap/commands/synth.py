"""`artimap synth`: write a virtual-talker corpus (lip video, ultrasound, markers, truth)."""

from __future__ import annotations

import argparse

from artimap.argtypes import non_negative_int, positive_int
from artimap.errors import ArtimapError
from artimap.synth.presets import COARTICULATIONS, PRESETS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="generate a synthetic multimodal corpus (virtual talker)",
        description="Generate a virtual-talker corpus in real formats: TextGrid, lip mp4, "
        "AAA .ult/.param, .txt, .wav, .c3d, Motive .csv, plus the true tongue contours "
        "(.contour.csv), articulatory trajectories (.artic.npy) and corpus.json.",
    )
    p.add_argument("--out", required=True, help="output folder (must not exist, see --overwrite)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="demo",
                   help="corpus size: tiny (seconds), demo (minutes), paper (~4 h); "
                        "default demo")  # fmt: skip
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    p.add_argument("--speakers", type=positive_int, default=None,
                   help="number of speakers (default: the preset's)")
    p.add_argument("--utterances", type=positive_int, default=None,
                   help="utterances per speaker (default: the preset's)")
    p.add_argument("--coarticulation", choices=COARTICULATIONS, default="dominance",
                   help="the talker's coarticulation rule: dominance (Cohen & Massaro blend, "
                        "the default), gaussian (the blend with Gaussian dominance functions) "
                        "or tracking (second-order target tracking, no blend); kept in "
                        "corpus.json")  # fmt: skip
    p.add_argument("--workers", type=positive_int, default=1, help="parallel processes")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--engine", default="talker",
                   help="talker (built in, default) or an installed engine such as vtl "
                        "(VocalTractLab talker: `make setup-vtl`)")  # fmt: skip
    p.add_argument("--shard", default=None, metavar="K/N",
                   help="engine only: make shard K of N into the cache, not the corpus; run "
                        "again without --shard to merge")  # fmt: skip
    p.add_argument("--cache", default=None,
                   help="engine only: per-utterance cache (default OUT.cache); an interrupted "
                        "run resumes from it")  # fmt: skip
    p.set_defaults(func=run)


def _run_engine(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.synth.engines import find_engine, parse_shard

    generate = find_engine(args.engine)
    meta = generate(args.out, preset=args.preset, seed=args.seed, speakers=args.speakers,
                    utterances=args.utterances, workers=args.workers, overwrite=args.overwrite,
                    progress=not args.quiet, shard=parse_shard(args.shard), cache=args.cache)
    if meta is None:
        print(f"shard {args.shard} done; run again without --shard to write {args.out}")
        return 0
    total = sum(u["duration"] for u in meta["utterances"])
    print(f"wrote {len(meta['utterances'])} utterances ({total:.1f} s) to {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.synth.corpus import generate_corpus

    if args.engine != "talker":
        return _run_engine(args)
    if args.shard is not None or args.cache is not None:
        raise ArtimapError("--shard and --cache need an engine with a cache (--engine vtl)")
    meta = generate_corpus(args.out, preset=args.preset, seed=args.seed, speakers=args.speakers,
                           utterances=args.utterances, workers=args.workers,
                           overwrite=args.overwrite, progress=not args.quiet,
                           coarticulation=args.coarticulation)  # fmt: skip
    total = sum(u["duration"] for u in meta["utterances"])
    print(f"wrote {len(meta['utterances'])} utterances ({total:.1f} s) to {args.out}")
    return 0
