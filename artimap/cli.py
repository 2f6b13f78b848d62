"""The `artimap` command line.

Each subcommand lives in `artimap/commands/<name>.py` and exposes `register(subparsers)`, which
adds its parser and sets `func` (a handler that only parses arguments and calls the library).
Handlers import heavy libraries (torch, cv2) inside the function, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from artimap import __version__
from artimap.errors import ArtimapError, one_line_warnings

# Subcommand modules, in the order `artimap --help` lists them. Only working ones are listed.
COMMANDS: tuple[str, ...] = (
    "synth",
    "prepare",
    "train",
    "evaluate",
    "experiment",
    "predict",
    "report",
    "study",
    "export",
    "demo",
    "bench",
    "contour",
    "lips",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="artimap",
        description="Learn mappings between streams of speech articulation.",
    )
    parser.add_argument("--version", action="version", version=f"artimap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"artimap.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print one line and return 2, warnings one line each, Ctrl-C
    (also while the subcommands are imported, which takes seconds) one line and 130."""
    one_line_warnings()
    try:
        args = build_parser().parse_args(argv)
        result = args.func(args)
    except ArtimapError as e:
        print(f"artimap: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("artimap: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
