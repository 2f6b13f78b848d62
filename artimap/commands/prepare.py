"""`artimap prepare TASK`: parse a corpus once into a prepared dataset (manifest + arrays)."""

from __future__ import annotations

import argparse
import importlib

# task -> module exposing `add_arguments(parser)` and `run(args) -> int`.
TASKS: dict[str, str] = {
    "phone2face": "artimap.commands.prepare_phone2face",
    "lip2tongue": "artimap.commands.prepare_lip2tongue",
    "audio2tongue": "artimap.commands.prepare_audio2tongue",
    "audio2face": "artimap.commands.prepare_audio2face",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prepare",
        help="prepare a corpus for a task",
        description="Parse a corpus once into a prepared dataset: manifest, split, arrays.",
    )
    tasks = p.add_subparsers(dest="task", metavar="TASK")
    tasks.required = True
    for name, module in TASKS.items():
        mod = importlib.import_module(module)
        tp = tasks.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0])
        mod.add_arguments(tp)
        tp.set_defaults(func=mod.run)
