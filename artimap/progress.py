"""Progress of long work that has no natural progress bar: one line per step on stderr (stdout
keeps the command's result, e.g. a JSON summary), flushed at once so a log shows it live."""

from __future__ import annotations

import sys


def step(command: str, text: str) -> None:
    """Print `command: text` on stderr, e.g. step("report", "lip2tongue: loss curves")."""
    print(f"{command}: {text}", file=sys.stderr, flush=True)
