"""`artimap report PATH`: one self-contained HTML report of a run directory or of every run
below a folder (an experiment's output): results tables beside the reference rows and the
published numbers, loss curves, sample predictions, each run's config and git commit."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write an HTML report of finished runs",
                       description=__doc__)
    p.add_argument("path", help="a run directory or a folder with run directories below it")
    p.add_argument("--out", default=None,
                   help="the HTML file to write (default: PATH/report.html)")
    p.add_argument("--title", default=None, help="the report's title")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.report_build import build_report

    out = Path(args.out) if args.out else Path(args.path) / "report.html"
    path = build_report(args.path, args.title).write(out)
    print(f"wrote {path}")
    return 0
