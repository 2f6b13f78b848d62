"""Time alignments: labelled intervals (phones, words) in seconds, whatever file they came from.

Every alignment reader (TextGrid, HTK/HTS labels, ESPS/MOCHA .lab, Kaldi CTM) returns one
`Alignment`; `validate` checks order, overlap and the recording's duration; `normalise_labels`
strips stress digits and maps the many spellings of silence to one symbol.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from artimap.errors import file_error

# Spellings of silence/pause used by aligners and corpora (compared in lower case).
SILENCE_LABELS = frozenset(
    {"", "sil", "sp", "spn", "pau", "<sil>", "sil!", "silence", "breath", "#", "_", "h#", "<eps>"}
)
_STRESS = re.compile(r"(?<=[A-Za-z])[0-2]$")
# Times may differ from exact equality after text round trips; overlaps smaller are ignored.
TIME_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Interval:
    """One labelled stretch of time: `start` <= t < `end`, in seconds."""

    start: float
    end: float
    label: str

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Alignment:
    """P labelled intervals in time order; `source` names the file for error messages."""

    intervals: list[Interval]
    source: str = ""
    tier: str = field(default="", compare=False)

    def __len__(self) -> int:
        return len(self.intervals)

    def __iter__(self):
        return iter(self.intervals)

    @property
    def start(self) -> float:
        """Start of the first interval (0.0 when empty)."""
        return self.intervals[0].start if self.intervals else 0.0

    @property
    def end(self) -> float:
        """End of the last interval (0.0 when empty)."""
        return max((iv.end for iv in self.intervals), default=0.0)

    def labels(self) -> list[str]:
        """The P labels in order."""
        return [iv.label for iv in self.intervals]

    def starts(self) -> np.ndarray:
        """(P,) float64 start times."""
        return np.array([iv.start for iv in self.intervals], dtype=np.float64)

    def ends(self) -> np.ndarray:
        """(P,) float64 end times."""
        return np.array([iv.end for iv in self.intervals], dtype=np.float64)

    def label_at(self, t: float, default: str = "") -> str:
        """Label of the interval containing time `t` (start inclusive), else `default`."""
        starts = [iv.start for iv in self.intervals]
        i = bisect.bisect_right(starts, t + TIME_TOLERANCE) - 1
        if i >= 0 and t < self.intervals[i].end - TIME_TOLERANCE:
            return self.intervals[i].label
        return default

    def frame_labels(self, fps: float, n_frames: int, default: str = "") -> list[str]:
        """Label active at each frame time t = k / fps, k = 0..F-1 -> F labels.

        Frames before the first or after the last interval (or in a gap) get `default`;
        the last interval also covers a frame that falls exactly on its end.
        """
        times = np.arange(n_frames, dtype=np.float64) / float(fps)
        starts, ends = self.starts(), self.ends()
        idx = np.searchsorted(starts, times + TIME_TOLERANCE, side="right") - 1
        out = []
        last_end = ends[-1] if len(ends) else -1.0
        for t, i in zip(times, idx, strict=True):
            if i >= 0 and (t < ends[i] - TIME_TOLERANCE or (i == len(ends) - 1 and t <= last_end)):
                out.append(self.intervals[i].label)
            else:
                out.append(default)
        return out

    def map_labels(self, fn) -> Alignment:
        """A new alignment with `fn(label)` applied to every label."""
        ivs = [Interval(iv.start, iv.end, fn(iv.label)) for iv in self.intervals]
        return Alignment(ivs, self.source, self.tier)

    def shifted(self, offset: float) -> Alignment:
        """A new alignment with `offset` seconds added to every time."""
        ivs = [Interval(iv.start + offset, iv.end + offset, iv.label) for iv in self.intervals]
        return Alignment(ivs, self.source, self.tier)


def strip_stress(label: str) -> str:
    """'AH0' -> 'AH' (ARPAbet stress digits 0-2 at the end of a label)."""
    return _STRESS.sub("", label)


def is_silence(label: str) -> bool:
    """True for the usual spellings of silence/pause (empty, sil, sp, pau, <sil>...)."""
    return label.strip().lower() in SILENCE_LABELS


def normalise_labels(
    alignment: Alignment,
    strip_stress_digits: bool = False,
    silence: str | None = None,
    merge_silence: bool = False,
) -> Alignment:
    """Strip stress digits and/or map silence spellings to `silence` (None keeps them).

    With `merge_silence`, adjacent intervals that both end up as `silence` become one.
    """

    def fix(label: str) -> str:
        label = label.strip()
        if silence is not None and is_silence(label):
            return silence
        return strip_stress(label) if strip_stress_digits else label

    out = alignment.map_labels(fix)
    if merge_silence and silence is not None:
        out.intervals = _merge_adjacent(out.intervals, silence)
    return out


def _merge_adjacent(intervals: list[Interval], label: str) -> list[Interval]:
    merged: list[Interval] = []
    for iv in intervals:
        prev = merged[-1] if merged else None
        if prev and prev.label == label == iv.label and abs(prev.end - iv.start) < TIME_TOLERANCE:
            merged[-1] = Interval(prev.start, iv.end, label)
        else:
            merged.append(iv)
    return merged


def validate(alignment: Alignment, duration: float | None = None) -> Alignment:
    """Check intervals are well formed, sorted and non-overlapping; return `alignment`.

    `duration` (seconds) is the recording's length: an interval ending after it is an error.
    Raises ArtimapError naming `alignment.source`.
    """
    src = alignment.source or "<alignment>"
    prev: Interval | None = None
    for k, iv in enumerate(alignment.intervals):
        where = f"interval {k} ({iv.label!r}, {iv.start:.6f}-{iv.end:.6f} s)"
        if not (np.isfinite(iv.start) and np.isfinite(iv.end)):
            raise file_error(src, f"{where} has no valid times", "Use a time-aligned file")
        if iv.end < iv.start:
            raise file_error(src, f"{where} ends before it starts", "Fix the times in the file")
        if prev is not None and iv.start < prev.start - TIME_TOLERANCE:
            raise file_error(
                src, f"{where} starts before the previous one ({prev.start:.6f} s): not sorted",
                "Sort the intervals by start time",
            )
        if prev is not None and iv.start < prev.end - TIME_TOLERANCE:
            raise file_error(
                src, f"{where} overlaps the previous one, which ends at {prev.end:.6f} s",
                "Use a single tier without overlapping intervals",
            )
        prev = iv
    if duration is not None and alignment.end > duration + TIME_TOLERANCE:
        raise file_error(
            src, f"alignment ends at {alignment.end:.6f} s, after the recording ({duration:.6f} s)",
            "Check that the alignment belongs to this recording",
        )
    return alignment


def fill_gaps(alignment: Alignment, label: str = "", start: float = 0.0,
              end: float | None = None) -> Alignment:
    """A new alignment with gaps (and the stretches before the first interval from `start`
    and after the last up to `end`) filled with intervals labelled `label`."""
    out: list[Interval] = []
    t = start
    for iv in alignment.intervals:
        if iv.start > t + TIME_TOLERANCE:
            out.append(Interval(t, iv.start, label))
        out.append(iv)
        t = max(t, iv.end)
    if end is not None and end > t + TIME_TOLERANCE:
        out.append(Interval(t, end, label))
    return Alignment(out, alignment.source, alignment.tier)


def from_tuples(rows: Iterable[tuple[float, float, str]], source: str = "") -> Alignment:
    """Build an Alignment from (start, end, label) tuples."""
    return Alignment([Interval(float(s), float(e), str(lab)) for s, e, lab in rows], source)
