"""Options several `artimap prepare TASK` commands share, defined once: the utterance split
(with a validation block carved off the end of each training recording) and how the work runs
(workers, bad utterances, an existing output)."""

from __future__ import annotations

import argparse

from artimap.argtypes import fractions3, non_negative_int, positive_int, split_list_files


def add_split_arguments(p: argparse.ArgumentParser, gap_unit: str) -> None:
    """--split, --split-seed, --split-lists, --val-block, --val-gap (`gap_unit`: what --val-gap
    counts, e.g. "target frames")."""
    p.add_argument("--split", type=fractions3, default=(60.0, 20.0, 20.0),
                   help="train,val,test proportions by utterance (default 60,20,20)")
    p.add_argument("--split-seed", type=non_negative_int, default=0)
    p.add_argument("--split-lists", type=split_list_files, default=None,
                   help="train.txt,val.txt,test.txt: utterance ids per line, instead of --split")
    p.add_argument("--val-block", type=float, default=0.0,
                   help="hold out the last FRACTION of each training utterance as validation")
    p.add_argument("--val-gap", type=non_negative_int, default=7,
                   help=f"{gap_unit} left out between training and --val-block")


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """--workers, --skip-bad, --overwrite."""
    p.add_argument("--workers", type=positive_int, default=None,
                   help="worker processes (default: the usable cores)")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip utterances with bad input (listed in the manifest) instead of "
                        "stopping")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
