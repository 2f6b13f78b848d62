"""`artimap demo`: the demo corpus, trained models and a report, on the CPU in minutes."""

from __future__ import annotations

import argparse

from artimap.argtypes import non_negative_int, positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="make the demo corpus and write report.html",
                       description=__doc__)
    p.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    p.add_argument("--preset", default="demo", choices=["tiny", "demo"],
                   help="corpus size (default: demo)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="corpus seed")
    p.add_argument("--workers", type=positive_int, default=2, help="processes for the corpus")
    p.add_argument("--quick", action="store_true", help="fewest training steps (for tests)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.demo import run_demo

    path = run_demo(args.out, preset=args.preset, seed=args.seed, workers=args.workers,
                    quick=args.quick)
    print(f"wrote {path}")
    return 0
