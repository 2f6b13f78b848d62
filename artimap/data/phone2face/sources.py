"""Finding (motion capture, alignment) pairs in a corpus folder.

Two layouts are read:
- "talker": the virtual talker's corpus (corpus.json with format "artimap-talker"); utterance
  <id> of speaker <spk> is <spk>/<id>.c3d with <spk>/<id>.TextGrid.
- "files": any folder tree of alignments <id>.TextGrid | <id>.lab | <id>.ctm, each beside its
  motion file <id>.c3d (preferred), <id>.csv (OptiTrack Motive) or <id>.txy (X-ray microbeam
  pellets, head-based 2-D coordinates: no head markers). Motion files without an
  alignment are ignored (calibration takes, static trials); an alignment without its motion is
  a problem. The speaker is the folder relative to the corpus, and the utterance id is the
  file's path relative to the corpus without its extension (`spk1/take03`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from artimap.errors import ArtimapError, file_error
from artimap.io.alignment_formats import alignment_format, read_alignment
from artimap.io.c3d import read_c3d
from artimap.io.optitrack import read_motive_csv
from artimap.io.xrmb import read_txy

FORMATS = ("auto", "talker", "files")
ALIGNMENT_SUFFIXES = (".textgrid", ".lab", ".ctm")
MOTION_SUFFIXES = (".c3d", ".csv", ".txy")


@dataclass(frozen=True)
class Utterance:
    """One utterance: its id, speaker and the two files it is prepared from."""

    id: str
    motion: Path
    alignment: Path
    speaker: str = ""


def read_talker_info(corpus: Path) -> dict[str, Any] | None:
    """The corpus.json of a talker corpus, or None when `corpus` is not one."""
    path = corpus / "corpus.json"
    if not path.is_file():
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise file_error(path, f"not valid JSON ({e})", "Generate the corpus again") from None
    return info if isinstance(info, dict) and info.get("format") == "artimap-talker" else None


def detect_format(corpus: Path) -> str:
    """'talker' when `corpus` holds a talker corpus.json, else 'files'."""
    return "talker" if read_talker_info(corpus) is not None else "files"


def _talker_pairs(corpus: Path, info: dict[str, Any]) -> list[Utterance]:
    utts = []
    for entry in info.get("utterances", []):
        uid, spk = entry["id"], entry.get("speaker", "")
        files = entry.get("files", {})
        motion = corpus / files.get("c3d", f"{spk}/{uid}.c3d")
        utts.append(Utterance(uid, motion, corpus / files.get("textgrid", f"{spk}/{uid}.TextGrid"),
                              spk))
    if not utts:
        raise file_error(corpus / "corpus.json", "lists no utterances", "Generate the corpus again")
    return utts


def _files_pairs(corpus: Path) -> tuple[list[Utterance], list[tuple[str, str]]]:
    utts, problems = [], []
    alignments = sorted(p for p in corpus.rglob("*")
                        if p.suffix.lower() in ALIGNMENT_SUFFIXES and p.is_file())
    for ali in alignments:
        uid = ali.with_suffix("").relative_to(corpus).as_posix()
        motion = next((m for s in MOTION_SUFFIXES for m in (ali.with_suffix(s),
                       ali.with_suffix(s.upper())) if m.is_file()), None)
        if motion is None:
            problems.append((uid, str(file_error(
                ali, "no motion file beside it", f"Put {ali.stem}.c3d or {ali.stem}.csv there"))))
            continue
        rel = ali.parent.relative_to(corpus).as_posix()
        utts.append(Utterance(uid, motion, ali, "" if rel == "." else rel))
    return utts, problems


def discover(
    corpus: str | Path, fmt: str = "auto"
) -> tuple[list[Utterance], list[tuple[str, str]]]:
    """Utterances of `corpus` in id order, and (id, message) problems found while pairing files.

    fmt: "auto" (talker when corpus.json says so, else files), "talker" or "files".
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise file_error(corpus, "no such corpus folder", "Check --corpus")
    if fmt not in FORMATS:
        raise ArtimapError(f"--format must be one of {list(FORMATS)}, got {fmt!r}")
    if fmt == "auto":
        fmt = detect_format(corpus)
    if fmt == "talker":
        info = read_talker_info(corpus)
        if info is None:
            raise file_error(corpus, "no talker corpus.json here", "Use --format files")
        utts, problems = _talker_pairs(corpus, info), []
    else:
        utts, problems = _files_pairs(corpus)
    if not utts and not problems:
        raise file_error(corpus, "no alignment files (.TextGrid, .lab, .ctm) found",
                         "Point --corpus at the folder holding the recordings")
    seen: dict[str, Utterance] = {}
    for u in utts:
        if u.id in seen:
            raise file_error(u.alignment, f"utterance id {u.id!r} is also {seen[u.id].alignment}",
                             "Give every recording a unique file name")
        seen[u.id] = u
    return sorted(utts, key=lambda u: u.id), problems


def read_motion(path: str | Path):
    """Motion from a .c3d or OptiTrack Motive .csv file (points (F, M, 3) mm)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such motion file", "Check the corpus folder")
    if path.suffix.lower() == ".c3d":
        return read_c3d(path)
    if path.suffix.lower() == ".csv":
        return read_motive_csv(path)
    if path.suffix.lower() == ".txy":
        return read_txy(path)
    raise file_error(path, f"unknown motion file type {path.suffix!r}",
                     "Use .c3d, Motive .csv or XRMB .txy")


def read_utterance_alignment(utt: Utterance, tier: str | None = None):
    """The utterance's Alignment (TextGrid tier `tier`; CTM entry named by the utterance id)."""

    if not utt.alignment.is_file():
        raise file_error(utt.alignment, "no such alignment file", "Check the corpus folder")
    fmt = alignment_format(utt.alignment)
    return read_alignment(utt.alignment, tier if fmt == "textgrid" else None,
                          utterance=utt.alignment.stem if fmt == "ctm" else None)
