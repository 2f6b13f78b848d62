"""Choosing the markers to model: by a list of labels or by a named preset.

Capture software often prefixes labels with the subject (`Vicon: "Anna:LLip"`), so a wanted
label matches a file's label exactly, or else, ignoring case, the part after the last ':'.
A wanted marker absent from a file is an error naming the file and the markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from artimap.errors import ArtimapError, file_error
from artimap.synth import face  # the talker's own marker layout

# Preset name -> description. "talker44" is read from the talker corpus' corpus.json, or from
# the talker's own module when the corpus has none.
PRESETS = {
    "talker44": "the virtual talker's 44 lower-face markers",
}


def talker_marker_info(info: dict[str, Any] | None) -> dict[str, Any]:
    """Face, head and lip marker names and the upper-lip-centre name of the talker.

    From corpus.json (`info["markers"]`) when given, else from the talker module. Keys: face
    (44), head, lips, upper_lip_centre; absent ones are [] or None.
    """
    if info is None:
        return {"face": list(face.FACE_MARKERS), "head": list(face.HEAD_MARKERS),
                "lips": list(face.LIP_MARKERS), "upper_lip_centre": face.UPPER_LIP_CENTRE}
    m = info.get("markers") if isinstance(info.get("markers"), dict) else {}
    return {"face": list(m.get("face", [])), "head": list(m.get("head", [])),
            "lips": list(m.get("lips", [])), "upper_lip_centre": m.get("upper_lip_centre")}


def resolve_markers(
    spec: str | Sequence[str] | None, info: dict[str, Any] | None
) -> list[str] | None:
    """Marker labels for `spec`: a preset name, a comma-separated list or a list; None = all.

    `info` is the talker corpus.json (for presets), or None.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec in PRESETS:
            names = talker_marker_info(info)["face"]
            if not names:
                raise ArtimapError(f"preset {spec!r}: the corpus lists no face markers")
            return names
        spec = [s for s in (x.strip() for x in spec.split(",")) if s]
    names = list(spec)
    if not names:
        raise ArtimapError(f"no marker names given; pass a list or one of {sorted(PRESETS)}")
    if len(set(names)) != len(names):
        raise ArtimapError(f"marker list names some markers twice: {names}")
    return names


def _short(label: str) -> str:
    return label.rsplit(":", 1)[-1].strip().lower()


def marker_indices(labels: Sequence[str], wanted: Sequence[str], source: str = "",
                   head: bool = False) -> list[int]:
    """Columns of `wanted` markers among a file's `labels` (exact, else ':'-suffix, any case);
    `head`: they are the head markers (the error names them and --head-markers)."""
    exact = {lab: i for i, lab in enumerate(labels)}
    short: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        short.setdefault(_short(lab), []).append(i)
    out, missing = [], []
    for name in wanted:
        if name in exact:
            out.append(exact[name])
        elif len(short.get(_short(name), [])) == 1:
            out.append(short[_short(name)][0])
        else:
            missing.append(name)
    if missing:
        what, option = ("head markers", "--head-markers") if head else ("markers", "--markers")
        raise file_error(
            source or "<motion>", f"{what} {missing} are missing (the file has {list(labels)})",
            f"Pass {option} with labels present in every file, or --skip-bad",
        )
    return out


def check_seen(points: np.ndarray, names: Sequence[str], source: str = "", what: str = "") -> None:
    """Raise when a marker of points (F, M, 3) is never seen (all NaN), naming the markers."""
    never = ~np.isfinite(points).all(axis=2).any(axis=0)  # (M,)
    if never.any():
        bad = [n for n, b in zip(names, never, strict=True) if b]
        raise file_error(
            source or "<motion>", f"{what}markers {bad} are missing in every frame",
            "Drop them from --markers/--head-markers, fix the labelling, or pass --skip-bad",
        )
