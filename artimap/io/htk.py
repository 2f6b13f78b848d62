"""HTK / HTS label files and HTK master label files (MLF).

A label line is `[start [end]] label [score] [aux...]` with times in 100 ns units; a line of
`///` starts an alternative transcription (only the first is read). Full-context labels are
reduced to their centre phone: HTS `p1^p2-p3+p4=p5@...` -> p3, triphones `l-p+r` -> p.
Files whose lines carry no times give intervals with NaN times (a bare phone sequence).
"""

from __future__ import annotations

import re
from pathlib import Path

from artimap.errors import file_error
from artimap.io.alignment import Alignment, Interval, validate
from artimap.io.text import read_text

HTK_UNITS_PER_SECOND = 1e7  # HTK time unit is 100 ns
_HTS = re.compile(r"^[^\^]*\^[^-]*-(?P<phone>[^+]*)\+[^=]*=")
_TRIPHONE = re.compile(r"^(?:[^-+\s]+-)?(?P<phone>[^-+\s]+)(?:\+[^-+\s]+)?$")
_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def context_phone(label: str) -> str:
    """Centre phone of a full-context label: HTS 'a^b-c+d=e@...' -> 'c'; 'l-p+r' -> 'p'.

    Labels without context marks are returned unchanged.
    """
    m = _HTS.match(label)
    if m:
        return m.group("phone")
    if "-" in label or "+" in label:
        m = _TRIPHONE.match(label)
        if m:
            return m.group("phone")
    return label


def _parse_line(path: Path, lineno: int, line: str) -> tuple[float, float, str]:
    """-> (start, end, label) in HTK units; NaN times when the line has none."""
    parts = line.split()
    if len(parts) >= 3 and _INT.match(parts[0]) and _INT.match(parts[1]):
        return float(parts[0]), float(parts[1]), parts[2]
    if len(parts) == 2 and _INT.match(parts[0]) and not _INT.match(parts[1]):
        return float(parts[0]), float("nan"), parts[1]
    if _NUM.match(parts[0]) or (len(parts) > 1 and _NUM.match(parts[1])):
        raise file_error(path, f"line {lineno}: malformed label line {line.strip()!r}",
                         "Expected 'start end label' with integer times in 100 ns units")
    return float("nan"), float("nan"), parts[0]


def parse_htk_lines(path: Path, lines: list[tuple[int, str]], full_context: bool = True,
                    units_per_second: float = HTK_UNITS_PER_SECOND) -> Alignment:
    """Parse (line number, text) label lines -> Alignment in seconds (NaN when untimed)."""
    ivs: list[Interval] = []
    for lineno, line in lines:
        if not line.strip():
            continue
        if line.strip() == "///":
            break
        start, end, label = _parse_line(path, lineno, line)
        if full_context:
            label = context_phone(label)
        ivs.append(Interval(start / units_per_second, end / units_per_second, label))
    _fill_missing_ends(path, ivs)
    return Alignment(ivs, source=str(path))


def _fill_missing_ends(path: Path, ivs: list[Interval]) -> None:
    """Lines with a start but no end end where the next one starts (HTK allows it)."""
    timed = [iv.start == iv.start for iv in ivs]
    if any(timed) and not all(timed):
        raise file_error(path, "some label lines have times and others do not",
                         "Give every line 'start end label' or none of them")
    for k, iv in enumerate(ivs):
        if iv.start == iv.start and iv.end != iv.end:
            if k + 1 >= len(ivs):
                raise file_error(path, f"last label {iv.label!r} has no end time",
                                 "Give it 'start end label'")
            ivs[k] = Interval(iv.start, ivs[k + 1].start, iv.label)


def _is_timed(ali: Alignment) -> bool:
    return bool(ali.intervals) and ali.intervals[0].start == ali.intervals[0].start


def read_htk_lab(path: str | Path, full_context: bool = True,
                 utterance: str | None = None) -> Alignment:
    """Read an HTK/HTS label file (or one utterance of an MLF) -> Alignment of P intervals, s.

    `full_context` reduces full-context labels to the centre phone. For an MLF, `utterance`
    picks the entry whose file name stem matches (required when it holds several).
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such label file", "Check the path")
    lines = read_text(path, "label file").splitlines()
    numbered = list(enumerate(lines, start=1))
    if lines and lines[0].strip() == "#!MLF!#":
        numbered = _mlf_entry(path, numbered[1:], utterance)
    ali = parse_htk_lines(path, numbered, full_context)
    if not ali.intervals:
        raise file_error(path, "no labels found", "Check that this is an HTK label file")
    return validate(ali) if _is_timed(ali) else ali


def _mlf_entry(path: Path, lines: list[tuple[int, str]], utterance: str | None):
    """Lines of one MLF entry ('"*/name.lab"' ... '.')."""
    entries: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for lineno, line in lines:
        text = line.strip()
        if current is None and text.startswith('"'):
            stem = Path(text.strip('"').replace("\\", "/").split("/")[-1]).stem
            current = entries.setdefault(stem, [])
        elif current is not None and text == ".":
            current = None
        elif current is not None:
            current.append((lineno, line))
    if utterance is None and len(entries) == 1:
        return next(iter(entries.values()))
    if utterance in entries:
        return entries[utterance]
    names = list(entries)
    shown = names[:10] + (["..."] if len(names) > 10 else [])
    raise file_error(path, f"MLF has no single entry for utterance {utterance!r}; entries: {shown}",
                     "Pass utterance=<name>")
