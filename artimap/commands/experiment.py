"""`artimap experiment FILE [--seeds K] [--smoke] [--workers W] [--out DIR] [--data DIR]
[--set key=value ...]`: rows x seeds, then results.csv, summary.md and figures/."""

from __future__ import annotations

import argparse

from artimap.argtypes import positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "experiment",
        help="run an experiment file (rows x seeds), write results and summary",
        description="Train and evaluate every row config of an experiment file (e.g. "
                    "configs/lip2tongue/paper.yaml) for every seed, then write OUT/results.csv, "
                    "OUT/summary.md and OUT/figures/. Finished runs (eval/metrics.json present) "
                    "are skipped, so rerunning completes an interrupted experiment.",
    )
    p.add_argument("file", help="experiment YAML (task, runs, seeds, smoke, scale)")
    p.add_argument("--out", default=None,
                   help="output folder (default runs/<task>/<file stem>[-smoke])")
    p.add_argument("--seeds", type=positive_int, default=None,
                   help="seeds 0..K-1 per row (default: the file's `seeds`)")
    p.add_argument("--smoke", action="store_true",
                   help="apply the file's smoke overrides (tiny models, 2 steps): a quick check")
    p.add_argument("--workers", type=positive_int, default=1,
                   help="training processes at a time (default 1: sequential, in this process)")
    p.add_argument("--data", default=None,
                   help="prepared dataset folder for every row (replaces the configs' `data`)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value in every row, e.g. --set train.epochs=20 (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.experiment import run_experiment

    result = run_experiment(args.file, args.out, seeds=args.seeds, smoke=args.smoke,
                            workers=args.workers, sets=args.sets, data=args.data)
    print(f"{result['trained']} runs trained, {result['skipped']} skipped -> "
          f"{result['out']}/results.csv, summary.md, figures/")
    return 0
