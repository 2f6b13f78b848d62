"""One utterance from files to frame-aligned arrays: the per-utterance half of `prepare`.

    motion file -> select markers -> remove head motion -> fill short gaps -> resample to fps
    alignment   -> check order/overlap/duration -> normalised label at each frame k / fps

Times: frame k of the motion is at k / rate from the motion's first frame, and alignment times
are read on the same clock (a C3D header's first-frame offset is not added). Gap lengths are
given in output frames (at `fps`) and converted to input frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.phone2face.gaps import fill_gaps
from artimap.data.phone2face.headmotion import stabilise_head
from artimap.data.phone2face.markers import check_seen, marker_indices
from artimap.data.phone2face.phones import frame_labels
from artimap.data.phone2face.resample import resample
from artimap.data.phone2face.sources import Utterance, read_motion, read_utterance_alignment
from artimap.errors import ArtimapError, file_error
from artimap.io.alignment import Alignment, validate

# An alignment may end this long after the motion's last frame (plus one frame) before it is an
# error: aligners round times to 10 ms.
DURATION_TOLERANCE_S = 0.010


@dataclass
class UtteranceSettings:
    """How each utterance is turned into arrays (resolved from the command line)."""

    markers: list[str] | None = None        # M labels to keep (None: all but the head markers)
    head_markers: list[str] = field(default_factory=list)  # K rigid head labels ([] = no removal)
    head_reference: Any = "first"           # (K, 3) pose as nested lists, or "first" / "mean"
    min_head_markers: int = 3               # fewer seen in a frame: transform interpolated/masked
    fps: float = 120.0                      # output frame rate
    max_gap: int = 12                       # longest gap filled, in output frames
    gap_method: str = "cubic"               # cubic | spline | pchip | linear
    gap_context: int = 6                    # seen frames each side used by "cubic" (input rate)
    tier: str | None = None                 # TextGrid tier (None: phones/phone/segments...)
    strip_stress: bool = False              # 'AH0' -> 'AH'
    silence: str | None = "sil"             # symbol for every silence spelling


def check_alignment(ali: Alignment, n_frames: int, rate: float, motion_source: str) -> None:
    """Raise when intervals are unsorted/overlapping or the alignment outlasts the motion."""
    validate(ali)
    duration = n_frames / rate
    if ali.end > duration + 1.0 / rate + DURATION_TOLERANCE_S:
        raise file_error(
            ali.source, f"alignment ends at {ali.end:.3f} s but the motion {motion_source} lasts "
            f"{duration:.3f} s ({n_frames} frames at {rate:g} fps)",
            "Check that the alignment belongs to this recording (or trim it to the motion)",
        )


def _select(motion, s: UtteranceSettings) -> tuple[list[str], list[int], list[int]]:
    head_idx = marker_indices(motion.labels, s.head_markers, motion.source, head=True)
    names = s.markers if s.markers is not None else [
        lab for i, lab in enumerate(motion.labels) if i not in set(head_idx)]
    if not names:
        raise file_error(motion.source, "no markers left to model", "Pass --markers")
    return names, marker_indices(motion.labels, names, motion.source), head_idx


def process_motion(motion, s: UtteranceSettings) -> tuple[np.ndarray, np.ndarray, dict]:
    """Motion -> (points (F', M, 3) float64 NaN-masked, mask (F', M) bool, counts) at s.fps."""
    names, face_idx, head_idx = _select(motion, s)
    pts = motion.points[:, face_idx + head_idx].astype(np.float64)  # (F, M+K, 3)
    check_seen(pts[:, : len(face_idx)], names, motion.source)  # a lost head marker is tolerated
    info: dict[str, Any] = {"rate_in": motion.rate, "n_frames_in": motion.n_frames}
    max_in = int(round(s.max_gap * motion.rate / s.fps))  # longest gap in input frames
    if head_idx:
        ref = s.head_reference
        ref = ref if isinstance(ref, str) else np.asarray(ref, dtype=np.float64)
        k = len(face_idx)
        try:
            res = stabilise_head(pts, list(range(k, k + len(head_idx))), ref,
                                 s.min_head_markers, max_in)
        except ValueError as e:
            raise file_error(motion.source, f"head markers: {e}", "Check --head-markers") from None
        if res.masked.all():
            raise file_error(motion.source, f"fewer than {s.min_head_markers} of the head markers "
                             f"{s.head_markers} are seen in every frame", "Check --head-markers")
        pts = res.points
        info["head_interpolated"] = int(res.interpolated.sum())
        info["head_masked"] = int(res.masked.sum())
    pts = pts[:, : len(face_idx)]  # (F, M, 3)
    seen = np.isfinite(pts).all(axis=2)
    filled, mask = fill_gaps(pts, max_in, s.gap_method, s.gap_context)
    info.update(filled=int((mask & ~seen).sum()), masked=int((~mask).sum()))
    out, mask_out = resample(filled, mask, motion.rate, s.fps)
    return out, mask_out, info


def part_name(uid: str) -> str:
    """File name of an utterance's temporary arrays (ids may hold '/')."""
    return uid.replace("/", "__") + ".npz"


def process_utterance(utt: Utterance, s: UtteranceSettings, part_dir: Path) -> dict[str, Any]:
    """Prepare one utterance; arrays go to part_dir/`part_name` (markers, mask). Returned: id,
    n_frames, the frame labels as vocab (its labels) and codes (F,) into it, and counts.
    An ArtimapError is returned as {"id", "error": message}."""
    try:
        motion = read_motion(utt.motion)
        ali = read_utterance_alignment(utt, s.tier)
        check_alignment(ali, motion.n_frames, motion.rate, str(utt.motion))
        pts, mask, info = process_motion(motion, s)
        labels = frame_labels(ali, s.fps, len(pts), s.strip_stress, s.silence)
    except ArtimapError as e:
        return {"id": utt.id, "error": str(e)}
    pts = np.where(mask[..., None], pts, 0.0).astype(np.float32)  # (F, M, 3), 0 where masked
    np.savez(part_dir / part_name(utt.id), markers=pts, mask=mask)
    vocab, codes = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return {"id": utt.id, "n_frames": len(pts), "vocab": [str(v) for v in vocab],
            "codes": codes.astype(np.int32), **info}
