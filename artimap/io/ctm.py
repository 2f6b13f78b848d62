"""Kaldi CTM alignments: `utt channel start duration label [confidence]` per line.

The fourth field is a DURATION, not an end time. One file usually holds many utterances;
`read_ctm` picks one by id, `read_ctm_all` returns them all. Lines starting with ';;' are
comments.
"""

from __future__ import annotations

from pathlib import Path

from artimap.errors import file_error
from artimap.io.alignment import Alignment, Interval, validate
from artimap.io.text import read_text


def _parse(path: Path) -> dict[str, list[Interval]]:
    """-> {utterance id: intervals in file order}."""
    utts: dict[str, list[Interval]] = {}
    text = read_text(path, "CTM file")
    for lineno, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith(";;"):
            continue
        try:
            if len(parts) < 5:
                raise ValueError
            start, dur = float(parts[2]), float(parts[3])
        except ValueError:
            raise file_error(path, f"line {lineno}: malformed CTM line {line.strip()!r}",
                             "Expected 'utt channel start duration label [confidence]'") from None
        if dur < 0:
            raise file_error(path, f"line {lineno}: negative duration {dur}",
                             "The 4th CTM field is a duration (end - start)")
        utts.setdefault(parts[0], []).append(Interval(start, start + dur, parts[4]))
    return utts


def read_ctm_all(path: str | Path) -> dict[str, Alignment]:
    """Read every utterance of a CTM file -> {utterance id: Alignment} (sorted by start)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such CTM file", "Check the path")
    out = {}
    for utt, ivs in _parse(path).items():
        ivs = sorted(ivs, key=lambda iv: iv.start)
        out[utt] = validate(Alignment(ivs, source=f"{path} [{utt}]", tier=utt))
    return out


def read_ctm(path: str | Path, utterance: str | None = None) -> Alignment:
    """Read one utterance of a CTM file -> Alignment of P intervals in seconds.

    `utterance` may be omitted when the file holds a single one; an unknown id lists the
    ids present. Intervals are sorted by start; overlaps raise ArtimapError.
    """
    path = Path(path)
    utts = read_ctm_all(path)
    if not utts:
        raise file_error(path, "no CTM lines found", "Check that this is a Kaldi CTM file")
    if utterance is None:
        if len(utts) == 1:
            return next(iter(utts.values()))
        raise file_error(path, f"holds {len(utts)} utterances ({_shown(utts)})",
                         "Pass utterance=<id> to pick one")
    if utterance not in utts:
        raise file_error(path, f"no utterance {utterance!r}; present: {_shown(utts)}",
                         "Pass one of them")
    return utts[utterance]


def _shown(utts: dict) -> str:
    names = list(utts)
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
