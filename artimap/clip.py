"""The clip convention of the video tasks, defined once: a clip is N consecutive lip frames,
and its target is aligned with one of them (`target_position`):

    last    the clip's last frame, N - 1 (causal: no frame after the target is needed)
    centre  the clip's middle frame, N // 2 (as many frames after the target as before)
    all     every frame (models that output one target per step; which steps is the model's)

Datasets, references, evaluation, streaming prediction and the models all use `target_offset`;
it lives at the bottom of the house so that models and data can both import it.
"""

from __future__ import annotations

from artimap.errors import ArtimapError

POSITIONS = ("last", "centre", "all")


def target_offset(clip_len: int, position: str) -> int:
    """Clip frame the target is aligned with; for "all", the last one (the newest output)."""
    if position not in POSITIONS:
        raise ArtimapError(f"unknown target_position {position!r}; choose one of "
                           f"{', '.join(POSITIONS)}")
    return clip_len // 2 if position == "centre" else clip_len - 1
