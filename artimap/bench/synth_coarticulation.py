"""`artimap bench synth_coarticulation`: `artimap bench synth` once per coarticulation rule.

The same demo-like corpus (seed 0, one worker) is generated under each rule of
`artimap.synth.presets.COARTICULATIONS`; the "artic" stage of each row is the rule's own cost,
the rest renders and writes the streams it drives.
"""

from __future__ import annotations

import argparse

from artimap.bench import synth
from artimap.synth.presets import COARTICULATIONS


def bench_synth_coarticulation(args: argparse.Namespace) -> list[dict]:
    """One `bench_synth` row per coarticulation rule, in the order of COARTICULATIONS."""
    return [synth.bench_synth(argparse.Namespace(**{**vars(args), "coarticulation": rule}))
            for rule in COARTICULATIONS]  # fmt: skip
