"""`artimap bench NAME`: run one benchmark, print its result as JSON lines; `--list` names them."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from artimap.bench import registry
from artimap.errors import ArtimapError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="run a benchmark, print JSON",
        description="Run a benchmark and print one JSON object per measurement.\n\n"
                    f"benchmarks:\n{registry.listing()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", help="which benchmark (see --list)")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument("--out", default=None, help="also append the JSON line(s) to this file")
    p.add_argument("--quick", action="store_true", help="smaller problem (for tests)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "list", False):
        print(registry.listing())
        return 0
    if not args.name:
        raise ArtimapError(f"name a benchmark: {', '.join(registry.BENCHES)} (see --list)")
    # stdout carries only the JSON; whatever the benchmark prints (training logs) goes to stderr
    with contextlib.redirect_stdout(sys.stderr):
        rows = registry.run_bench(args.name, args)
    lines = [json.dumps(r) for r in rows]
    for line in lines:
        print(line)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0
