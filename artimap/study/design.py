"""The study folder and what each rater sees.

    STUDY/study.json          methods (hidden from raters), frames, seed, source experiment
    STUDY/images/fNNN_real.png, fNNN_mK.png   the real frame and method K's prediction (8-bit)
    STUDY/ratings.sqlite      the answers (artimap.study.store)

A rater sees every frame once, in an order of their own, and on each frame the methods in an
order of their own, labelled A, B, ...; both orders follow from the rater id alone, so a rater
who stops and comes back sees the same pages.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from artimap.errors import ArtimapError

STUDY_FILE = "study.json"
RATER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")  # what a rater may type as their id
SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Page:
    """One page of a rater's session: frame index and methods (indices) in shown order."""

    frame: int
    methods: tuple[int, ...]


def read_study(folder: str | Path) -> dict[str, Any]:
    """study.json of a study folder (with "folder" added)."""
    path = Path(folder) / STUDY_FILE
    if not path.is_file():
        raise ArtimapError(f"{folder}: not a study folder (no {STUDY_FILE}); make one with "
                           "`artimap study make EXPERIMENT --out STUDY`")
    study = json.loads(path.read_text(encoding="utf-8"))
    study["folder"] = str(folder)
    return study


def image_path(folder: str | Path, frame: int, method: int | None) -> Path:
    """The PNG of frame `frame`: the real one (method None) or method `method`'s prediction."""
    name = f"f{frame:03d}_real.png" if method is None else f"f{frame:03d}_m{method}.png"
    return Path(folder) / "images" / name


def check_rater(rater: str) -> str:
    """`rater` if it is a valid id, else an ArtimapError saying what is allowed."""
    if not RATER_ID.match(rater):
        raise ArtimapError(f"rater id {rater!r}: use 1-40 letters, digits, '.', '_' or '-'")
    return rater


def rater_pages(study: dict[str, Any], rater: str) -> list[Page]:
    """The pages of `rater` in order: frames shuffled, methods shuffled on each page, from a
    generator seeded by the study seed and the rater id (the same every time)."""
    digest = hashlib.sha256(f"{study['seed']}:{check_rater(rater)}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    n_methods = len(study["methods"])
    return [Page(int(f), tuple(int(m) for m in rng.permutation(n_methods)))
            for f in rng.permutation(len(study["frames"]))]


def slot_label(slot: int) -> str:
    """"A", "B", ... for the methods' positions on a page."""
    return chr(ord("A") + slot)
