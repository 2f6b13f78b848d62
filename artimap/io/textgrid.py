"""Praat TextGrid alignments (Montreal Forced Aligner, UltraSuite, AAA exports) via praatio.

Empty intervals are kept: in aligner output they are the silences, and dropping them (praatio's
default) would shift every frame label after a pause.
"""

from __future__ import annotations

from pathlib import Path

from praatio import textgrid
from praatio.utilities import textgrid_io
from praatio.utilities.constants import Interval as PInterval

from artimap.errors import ArtimapError, file_error
from artimap.fsutil import atomic_path
from artimap.io.alignment import TIME_TOLERANCE, Alignment, Interval, validate
from artimap.io.text import read_text

# Tier names tried, in order, when the caller names none (compared case-insensitively).
DEFAULT_TIERS = ("phones", "phone", "segments", "segment", "phonemes", "phoneme")


def _open(path: Path) -> dict:
    """Parse a TextGrid (long, short or praatio JSON) into praatio's plain dict form."""
    return _parse(path)[0]


def _parse(path: Path) -> tuple[dict, str]:
    """Parse a TextGrid (long, short or praatio JSON) -> (praatio's plain dict, the text).

    praatio's parser is used without its Textgrid object, whose validation rejects the
    sub-microsecond overlaps real files carry (e.g. 2.43 followed by 2.4299999);
    `artimap.io.alignment.validate` checks order and overlap with a tolerance instead.
    """

    if not path.is_file():
        raise file_error(path, "no such TextGrid file", "Check the path")
    text = read_text(path, "TextGrid")
    try:
        tg = textgrid_io.parseTextgridStr(text, includeEmptyIntervals=True)
    except Exception as e:  # praatio raises many kinds on malformed text
        raise file_error(path, f"not a readable Praat TextGrid ({type(e).__name__}: {e})",
                         "Open and re-save it in Praat") from e
    if not _well_formed(tg):  # e.g. a damaged JSON TextGrid parses into other shapes
        raise file_error(path, "not a Praat TextGrid (no tiers of named entries)",
                         "Open and re-save it in Praat")
    return tg, text


def _well_formed(tg: object) -> bool:
    """praatio's dict form: tiers, each with a str name and class and a list of entries (each
    a sequence of 2 or 3 values)."""
    tiers = tg.get("tiers") if isinstance(tg, dict) else None
    return isinstance(tiers, list) and all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("class"), str)
        and isinstance(t.get("entries"), list)
        and all(isinstance(e, (list, tuple)) and len(e) in (2, 3) for e in t["entries"])
        for t in tiers)


def _line_of(text: str, value: str) -> str:
    """'line N: ' for the first line holding `value` alone or after '=' (long and short
    TextGrids), '' when it cannot be found (a JSON TextGrid)."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == value or stripped.partition("=")[2].strip() == value:
            return f"line {lineno}: "
    return ""


def _time(path: Path, text: str, value: object) -> float:
    """An interval time as a float; a damaged one is an error naming the file and line."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise file_error(path, f"{_line_of(text, str(value).strip())}time {str(value)!r} is "
                         "not a number", "Fix the value or re-save the TextGrid in Praat") from None


def textgrid_tiers(path: str | Path) -> list[str]:
    """Names of all tiers in the TextGrid at `path`."""
    return [t["name"] for t in _open(Path(path))["tiers"]]


def _choose_tier(path: Path, tiers: list[dict], tier: str | None) -> dict:
    names = [t["name"] for t in tiers]
    intervals = [t for t in tiers if t["class"] == "IntervalTier"]
    if tier is not None:
        for match in (lambda t: t["name"] == tier, lambda t: t["name"].lower() == tier.lower()):
            found = [t for t in tiers if match(t)]
            if found:
                return found[0]
        raise file_error(path, f"no tier named {tier!r}; tiers present: {names}",
                         "Pass one of them")
    for cand in DEFAULT_TIERS:
        found = [t for t in intervals if t["name"].lower() == cand]
        if found:
            return found[0]
    if len(intervals) == 1:
        return intervals[0]
    raise file_error(
        path, f"no phone tier among {names} (tried {list(DEFAULT_TIERS)})",
        "Name the tier to read (tier=...)",
    )


def read_textgrid(path: str | Path, tier: str | None = None) -> Alignment:
    """Read one interval tier of a TextGrid into an Alignment of P intervals.

    `tier=None` tries phones, phone, segments, segment (any case), then the only interval
    tier. Empty intervals are kept with label '' (silence). A missing tier raises
    ArtimapError listing the tiers present; unsorted or overlapping intervals raise too.
    """
    path = Path(path)
    tg, text = _parse(path)
    t = _choose_tier(path, tg["tiers"], tier)
    if t["class"] != "IntervalTier":
        raise file_error(path, f"tier {t['name']!r} is a point tier, not an interval tier",
                         "Choose an interval tier")
    if any(len(e) != 3 for e in t["entries"]):
        raise file_error(path, f"tier {t['name']!r} holds entries that are not (start, end, "
                         "label) intervals", "Open and re-save it in Praat")
    ivs = [Interval(_time(path, text, e[0]), _time(path, text, e[1]), str(e[2]).strip())
           for e in t["entries"]]
    return validate(Alignment(ivs, source=str(path), tier=t["name"]))


def _snapped(ali: Alignment) -> list[tuple[float, float, str]]:
    """Intervals with sub-tolerance overlaps removed (praatio rejects any overlap)."""
    out: list[tuple[float, float, str]] = []
    prev_end = 0.0
    for iv in ali.intervals:
        start = max(iv.start, prev_end) if iv.start > prev_end - TIME_TOLERANCE else iv.start
        out.append((start, max(iv.end, start), iv.label))
        prev_end = out[-1][1]
    return out


def write_textgrid(path: str | Path, tiers: dict[str, Alignment], duration: float) -> None:
    """Write interval tiers (e.g. {'words': ..., 'phones': ...}) to a long TextGrid, atomically.

    Gaps and intervals labelled '' are written as empty intervals spanning 0..`duration`.
    """

    path = Path(path)
    if not tiers:
        raise ArtimapError(f"{path}: no tiers to write")
    tg = textgrid.Textgrid(minTimestamp=0.0, maxTimestamp=float(duration))
    for name, ali in tiers.items():
        validate(Alignment(ali.intervals, source=f"{path} (tier {name!r})"), duration)
        entries = [PInterval(s, e, lab) for s, e, lab in _snapped(ali) if lab != ""]
        tg.addTier(textgrid.IntervalTier(name, entries, 0.0, float(duration)))
    with atomic_path(path) as tmp:
        tg.save(str(tmp), format="long_textgrid", includeBlankSpaces=True, reportingMode="error")
