"""Label files with times in seconds: MOCHA-TIMIT `.lab` and ESPS/xwaves `xlabel` files.

Two layouts are read:
- `start end label` per line, times in seconds (MOCHA-TIMIT, many hand-made files);
- ESPS xlabel: header lines up to a line holding only `#`, then `time color label` per line,
  where `time` is the END of the segment (the first starts at 0, or at the previous end).
"""

from __future__ import annotations

import re
from pathlib import Path

from artimap.errors import file_error
from artimap.io.alignment import Alignment, Interval, validate
from artimap.io.text import read_text

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def is_esps(lines: list[str]) -> bool:
    """True when the lines have an ESPS xlabel header (a line holding only '#')."""
    return any(line.strip() == "#" for line in lines[:50])


def _read_esps(path: Path, lines: list[str]) -> list[Interval]:
    body = [line.strip() == "#" for line in lines].index(True) + 1
    ivs: list[Interval] = []
    prev_end = 0.0
    for lineno, line in enumerate(lines[body:], start=body + 1):
        parts = line.split(None, 2)
        if not parts:
            continue
        if not _is_number(parts[0]):
            raise file_error(path, f"line {lineno}: malformed xlabel line {line.strip()!r}",
                             "Expected 'end_time color label'")
        end = float(parts[0])
        label = parts[2].strip() if len(parts) > 2 else ""
        ivs.append(Interval(prev_end, end, label))
        prev_end = end
    return ivs


def _read_start_end(path: Path, lines: list[str]) -> list[Interval]:
    ivs: list[Interval] = []
    for lineno, line in enumerate(lines, start=1):
        parts = line.split(None, 2)
        if not parts:
            continue
        if len(parts) < 2 or not (_is_number(parts[0]) and _is_number(parts[1])):
            raise file_error(path, f"line {lineno}: malformed label line {line.strip()!r}",
                             "Expected 'start end label' with times in seconds")
        label = parts[2].strip() if len(parts) > 2 else ""
        ivs.append(Interval(float(parts[0]), float(parts[1]), label))
    return ivs


def read_lab(path: str | Path) -> Alignment:
    """Read a MOCHA `start end label` or ESPS xlabel file -> Alignment of P intervals (s).

    ESPS xlabel stores segment ends only: the first interval starts at 0. Malformed lines,
    unsorted or overlapping intervals raise ArtimapError naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such label file", "Check the path")
    lines = read_text(path, "label file").splitlines()
    ivs = _read_esps(path, lines) if is_esps(lines) else _read_start_end(path, lines)
    if not ivs:
        raise file_error(path, "no labels found", "Check that this is a label file")
    return validate(Alignment(ivs, source=str(path)))
