"""One entry point for every alignment format: `read_alignment(path, tier=None, **opts)`.

The format comes from the extension (`.TextGrid`, `.ctm`, `.mlf`, `.lab`/`.rec`/`.lbl`); a
`.lab` file is sniffed, since HTK (integer 100 ns times) and MOCHA/ESPS (seconds) share it.
Label clean-up (stress digits, silence spellings) and the duration check happen here, so every
format gets them the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from artimap.errors import file_error
from artimap.io.alignment import Alignment, is_silence, normalise_labels, validate
from artimap.io.ctm import read_ctm
from artimap.io.htk import read_htk_lab
from artimap.io.lab import is_esps, read_lab
from artimap.io.text import read_text
from artimap.io.textgrid import read_textgrid

FORMATS = ("textgrid", "htk", "lab", "ctm")
# Extension (lower case) -> format; '.lab'-like files are sniffed.
EXTENSIONS = {".textgrid": "textgrid", ".ctm": "ctm", ".mlf": "htk", ".lab": None,
              ".rec": None, ".lbl": None, ".htk": "htk"}
_INT = re.compile(r"^[+-]?\d+$")
# Integer times below this cannot be HTK 100 ns units (it is 0.1 ms): read them as seconds.
_MIN_HTK_END = 1000


def sniff_lab_format(path: str | Path) -> str:
    """'htk' (integer 100 ns times or untimed labels) or 'lab' (seconds, ESPS xlabel)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such label file", "Check the path")
    lines = read_text(path, "label file").splitlines()
    if (lines and lines[0].strip() == "#!MLF!#") or not lines:
        return "htk"
    if is_esps(lines):
        return "lab"
    rows = [line.split() for line in lines if line.strip()]
    times = [tok for row in rows for tok in row[:2] if len(row) >= 3]
    if not times:
        return "htk"  # bare phone sequence
    if all(_INT.match(tok) for tok in times):
        return "htk" if max(abs(int(t)) for t in times) >= _MIN_HTK_END else "lab"
    return "lab"


def alignment_format(path: str | Path) -> str:
    """Format name of `path` from its extension (sniffing `.lab`); unknown lists the known."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        raise file_error(path, f"unknown alignment extension {path.suffix!r}",
                         f"Use one of {sorted(EXTENSIONS)} or pass fmt= one of {list(FORMATS)}")
    return EXTENSIONS[ext] or sniff_lab_format(path)


def check_plausible(path: Path, ali: Alignment) -> None:
    """Refuse alignments that would prepare as silence or in the wrong time unit: no labelled
    interval at all (an empty tier, or one of silences only), or phones lasting microseconds
    (milliseconds read as HTK 100 ns units) or many seconds (milliseconds read as seconds)."""
    if all(is_silence(iv.label) for iv in ali):  # also a tier without any interval
        what = f"labelled interval ({len(ali)} empty or silence)" if len(ali) else "interval"
        raise file_error(path, f"tier {ali.tier or '(the only one)'!r} holds no {what}",
                         "Check the alignment, or name the phone tier with --tier")
    spans = sorted(iv.end - iv.start for iv in ali if iv.end > iv.start)
    if len(spans) < 3:
        return
    median = spans[len(spans) // 2]
    if median < 0.002 or median > 2.0:
        raise file_error(path, f"implausible phone durations (median {median:.6g} s over "
                         f"{len(spans)} intervals, alignment ends at {ali.end:.6g} s): the time "
                         "unit is wrong", "HTK .lab times are integers in 100 ns units "
                         "(10 000 000 per second), .lab/ESPS/CTM/TextGrid times are seconds; "
                         "convert the file (e.g. milliseconds x 10 000 for HTK)")


def read_alignment(
    path: str | Path,
    tier: str | None = None,
    *,
    fmt: str | None = None,
    utterance: str | None = None,
    full_context: bool = True,
    strip_stress: bool = False,
    silence: str | None = None,
    merge_silence: bool = False,
    duration: float | None = None,
) -> Alignment:
    """Read any supported alignment file -> Alignment of P intervals in seconds.

    tier: TextGrid tier (default phones/phone/segments/segment, then the only interval tier).
    fmt: force 'textgrid', 'htk', 'lab' or 'ctm' instead of guessing from the extension.
    utterance: CTM utterance id or MLF entry. full_context: HTS/triphone labels -> centre phone.
    strip_stress: 'AH0' -> 'AH'. silence: map '', sil, sp, pau, <sil>... to this symbol
    (merge_silence joins adjacent silences). duration: recording length in s; an alignment
    ending later is an error.
    """
    path = Path(path)
    fmt = fmt or alignment_format(path)
    if fmt == "textgrid":
        ali = read_textgrid(path, tier)
    elif fmt == "htk":
        ali = read_htk_lab(path, full_context=full_context, utterance=utterance)
    elif fmt == "lab":
        ali = read_lab(path)
    elif fmt == "ctm":
        ali = read_ctm(path, utterance)
    else:
        raise file_error(path, f"unknown alignment format {fmt!r}", f"Use one of {list(FORMATS)}")
    check_plausible(path, ali)
    if strip_stress or silence is not None:
        ali = normalise_labels(ali, strip_stress, silence, merge_silence)
    if duration is not None:
        validate(ali, duration)
    return ali
