"""argparse types shared by the subcommands and the tasks' predict options: they reject bad values
with a one-line message."""

from __future__ import annotations

import argparse


def _parse(text: str, cast: type, what: str, ok, rule: str):
    """`cast(text)` if `ok(value)`, else an ArgumentTypeError: '`what`' or '`rule`, got ...'."""
    try:
        value = cast(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"{rule}, got {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _parse(text, int, "a whole number", lambda v: v >= 1, "must be at least 1")


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _parse(text, int, "a whole number", lambda v: v >= 0, "must not be negative")


def positive_float(text: str) -> float:
    """argparse type: a number > 0."""
    return _parse(text, float, "a number", lambda v: v > 0, "must be positive")


def fractions3(text: str) -> tuple[float, float, float]:
    """argparse type: three non-negative proportions 'train,val,test', e.g. 60,20,20."""
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 0 or sum(parts) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected three non-negative proportions like 60,20,20, got {text!r}")
    return parts  # type: ignore[return-value]


def hw_size(text: str) -> tuple[int, int]:
    """HxW (e.g. 128x64) -> (H, W), both positive."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW, e.g. 128x64, got {text!r}") from None
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return h, w


def split_list_files(text: str) -> tuple[str, str, str]:
    """train.txt,val.txt,test.txt -> the three paths."""
    parts = tuple(text.split(","))
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("expected train.txt,val.txt,test.txt")
    return parts  # type: ignore[return-value]
