"""phone2face: motion capture + phone alignments -> head-stabilised, frame-aligned markers.

    artimap prepare phone2face --corpus DIR --out DIR [--markers talker44] [--fps 120] ...

Writes (atomically) manifest.json, split.json, phones.json, stats.json and markers.npy (F, M, 3),
mask.npy (F, M), phone_ids.npy (F,) concatenated over utterances (see `arrays.py`).
"""

from __future__ import annotations

import shutil
import sys
import warnings
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.common import (
    prepared_dir,
    split_ids,
    write_manifest,
    write_phones,
    write_stats,
)
from artimap.data.phone2face.arrays import concatenate
from artimap.data.phone2face.headmotion import reference_pose
from artimap.data.phone2face.markers import (
    PRESETS,
    marker_indices,
    resolve_markers,
    talker_marker_info,
)
from artimap.data.phone2face.phones import (
    PhoneSet,
    build_inventory,
    encode_phones,
    normalise_label,
    phone_classes,
    rare_phones,
    read_phone_list,
)
from artimap.data.phone2face.sources import Utterance, discover, read_motion, read_talker_info
from artimap.data.phone2face.utterance import UtteranceSettings, process_utterance
from artimap.errors import ArtimapError
from artimap.parallel import parallel_map

VERSION = 1
LOWER_LIP_CENTRE = "lip_lower_c"


@dataclass
class PrepareConfig:
    """Settings of `artimap prepare phone2face` (each has a command-line flag)."""

    format: str = "auto"                  # auto | talker | files
    tier: str | None = None               # TextGrid tier holding the phones
    markers: str | None = None            # preset (talker44) or comma list; None: corpus default
    head_markers: str | None = None       # rigid head markers, comma list or "none"; None: talker's
    head_reference: str = "corpus"        # corpus (one pose for all) | first | mean (per utt)
    min_head_markers: int = 3             # head markers needed to solve a frame's transform
    fps: float = 120.0                    # output frame rate
    max_gap: int = 12                     # longest gap filled, in output frames
    gap_method: str = "cubic"             # cubic (local fit) | spline | pchip | linear
    gap_context: int = 6                  # seen frames each side of a gap for "cubic"
    split: tuple[float, float, float] = (80.0, 10.0, 10.0)  # train/val/test percentages
    split_seed: int = 0                   # seed of the utterance shuffle
    strip_stress: bool = False            # drop ARPAbet stress digits
    silence: str | None = "sil"           # symbol for every silence spelling
    fallback: str | None = None           # phone for labels outside the inventory (None: error)
    phone_set: str | None = None          # file of the corpus's phones (None: declared/found)
    min_phone_frames: int = 10            # phones with fewer training frames are reported


def _marker_names(
    cfg: PrepareConfig, info: dict | None
) -> tuple[list[str] | None, list[str], dict]:
    """-> (M model markers or None = all, K head markers, talker marker info or {})."""
    talker = talker_marker_info(info) if info is not None else {}
    markers = resolve_markers(cfg.markers, info) if cfg.markers else (talker.get("face") or None)
    if cfg.markers in PRESETS and not talker:
        talker = talker_marker_info(None)
    if cfg.head_markers and cfg.head_markers.lower() == "none":
        head = []
    elif cfg.head_markers:
        head = resolve_markers(cfg.head_markers, info)
    else:
        head = talker.get("head", [])
    return markers, list(head or []), talker


def _corpus_reference(utts: list[Utterance], head: list[str]) -> list[list[float]]:
    """Head pose (K, 3) of the first utterance that has a frame seeing every head marker."""
    missing: ArtimapError | None = None  # the first file without the head markers' labels
    for u in utts:
        try:
            motion = read_motion(u.motion)
            idx = marker_indices(motion.labels, head, str(u.motion), head=True)
            return reference_pose(motion.points[:, idx], "first").tolist()
        except ArtimapError as e:
            missing = missing or (e if "head markers" in str(e) else None)
        except ValueError:
            continue
    if missing is not None:  # no file has them: say so, not that they are never seen together
        raise missing
    raise ArtimapError(f"no utterance sees all head markers {head} in one frame; "
                       "check --head-markers or use --head-reference first")


def _report_bad(bad: list[tuple[str, str]], skip_bad: bool) -> None:
    if not bad:
        return
    if not skip_bad:
        if len(bad) == 1:
            raise ArtimapError(f"{bad[0][1]} (or pass --skip-bad to leave it out)")
        raise ArtimapError(f"{len(bad)} utterances cannot be prepared (pass --skip-bad to leave "
                           f"them out); the first: {bad[0][1]}")
    print(f"artimap: skipping {len(bad)} bad utterance(s):", file=sys.stderr)
    for uid, msg in bad:
        print(f"  {uid}: {msg}", file=sys.stderr)


def _declared_phones(cfg: PrepareConfig, info: dict | None, results) -> tuple[list[str], str]:
    """The corpus's phone labels (normalised) and where they come from: the --phone-set file,
    the talker's corpus.json, or every alignment of the corpus (all splits)."""
    if cfg.phone_set:
        raw, origin = read_phone_list(cfg.phone_set), f"--phone-set {cfg.phone_set}"
    elif info is not None and info.get("phones"):
        raw, origin = list(info["phones"]), "corpus.json"
    else:
        raw, origin = [p for r in results for p in r["vocab"]], "the corpus's alignments"
    return [normalise_label(p, cfg.strip_stress, cfg.silence) for p in raw], origin


def _encode_all(results, split, cfg: PrepareConfig, bad, info: dict | None
                ) -> tuple[PhoneSet, dict[str, np.ndarray], dict[str, int]]:
    """Inventory from the corpus's declared phones (plus the fallback); phone ids (F,) of every
    utterance; {phone: training frames} of the rare phones (warned about). A phone outside the
    declared set makes its utterance bad, or maps to the fallback (listed in its entry)."""
    declared, origin = _declared_phones(cfg, info, results)
    inventory = build_inventory([declared, [cfg.fallback] if cfg.fallback else []], cfg.silence)
    phones = PhoneSet(inventory, cfg.strip_stress, cfg.silence, cfg.fallback)
    ids, known = {}, set(inventory)
    for r in results:
        unseen = sorted(set(r["vocab"]) - known)
        if unseen and cfg.fallback is None:
            bad.append((r["id"], f"{r['source']}: phones {unseen} are not in the phone set of "
                        f"{origin} ({inventory}). Add them to the phone set (--phone-set FILE) "
                        f"or pass --phone-fallback PHONE (e.g. {cfg.silence or inventory[0]})"))
            continue
        if unseen:
            r["unseen_phones"] = unseen
        ids[r["id"]] = encode_phones(r["vocab"], inventory, cfg.fallback)[r["codes"]]  # (F,)
    train = set(split["train"])
    rare = rare_phones(inventory, [v for k, v in ids.items() if k in train],
                       cfg.min_phone_frames)
    if rare:
        warnings.warn(f"{len(rare)} phone(s) have fewer than {cfg.min_phone_frames} training "
                      f"frames (phone: frames) {rare}; the model learns little about them "
                      "(listed as rare_phones in the manifest)", stacklevel=3)
    return phones, ids, rare


def _entry(r: dict, u: Utterance, corpus: Path) -> dict[str, Any]:
    keep = ("id", "n_frames", "rate_in", "n_frames_in", "filled", "masked", "head_interpolated",
            "head_masked", "unseen_phones")
    e = {k: r[k] for k in keep if k in r}
    e["speaker"] = u.speaker
    e["sources"] = {"motion": u.motion.relative_to(corpus).as_posix(),
                    "alignment": u.alignment.relative_to(corpus).as_posix()}
    return e


def _plan(corpus: Path, cfg: PrepareConfig, utts: list[Utterance]):
    """-> (split, per-utterance settings, talker marker info) for the discovered utterances."""
    info = read_talker_info(corpus)
    markers, head, talker = _marker_names(cfg, info)
    split = split_ids([u.id for u in utts], cfg.split, cfg.split_seed)
    if markers is None:
        markers = _first_labels(utts, head)
    if not head and cfg.head_markers is None:
        _warn_unstabilised(markers, utts)
    ref: Any = cfg.head_reference
    if head and ref == "corpus":
        train = set(split["train"])  # a training utterance's pose first, each file once
        ref = _corpus_reference([u for u in utts if u.id in train]
                                + [u for u in utts if u.id not in train], head)
    s = UtteranceSettings(markers, head, ref, cfg.min_head_markers, cfg.fps, cfg.max_gap,
                          cfg.gap_method, cfg.gap_context, cfg.tier, cfg.strip_stress, cfg.silence)
    return split, s, talker


def _manifest(corpus: Path, cfg: PrepareConfig, s: UtteranceSettings, talker: dict,
              entries: list[dict], arrays: dict, n_phones: int, bad: list) -> dict[str, Any]:
    markers = s.markers or []
    ulc = talker.get("upper_lip_centre")
    return {
        "task": "phone2face", "version": VERSION, "corpus": str(corpus), "rate": cfg.fps,
        "settings": asdict(cfg) | {"head_reference_pose": s.head_reference
                                   if s.head_markers else None},
        "markers": markers, "head_markers": s.head_markers, "head_stabilised": bool(s.head_markers),
        "lip_markers": [m for m in talker.get("lips", []) if m in markers],
        "upper_lip_centre": ulc if ulc in markers else None, "n_phones": n_phones,
        # the talker44 name; the closure metrics need both lip centres
        "lower_lip_centre": LOWER_LIP_CENTRE if LOWER_LIP_CENTRE in markers else None,
        "n_frames": sum(e["n_frames"] for e in entries), "arrays": arrays,
        "utterances": entries, "skipped": [{"id": i, "error": m} for i, m in bad],
    }


def prepare_phone2face(
    corpus: str | Path, out: str | Path, cfg: PrepareConfig | None = None,
    workers: int = 1, skip_bad: bool = False, overwrite: bool = False,
) -> Path:
    """Prepare `corpus` into the folder `out` (see the module docstring); returns `out`."""
    cfg = cfg or PrepareConfig()
    corpus = Path(corpus).resolve()
    utts, bad = discover(corpus, cfg.format)
    if bad and not skip_bad:
        _report_bad(bad, skip_bad)
    split, s, talker = _plan(corpus, cfg, utts)
    by_id = {u.id: u for u in utts}
    with prepared_dir(out, overwrite) as tmp:
        parts = tmp / "parts"
        parts.mkdir()
        results = parallel_map(partial(process_utterance, s=s, part_dir=parts), utts, workers,
                               desc="phone2face")
        bad += [(r["id"], r["error"]) for r in results if "error" in r]
        results = [dict(r, source=str(by_id[r["id"]].alignment)) for r in results
                   if "error" not in r]
        info = read_talker_info(corpus)
        phones, phone_ids, rare = _encode_all(results, split, cfg, bad, info)
        _report_bad(bad, skip_bad)
        skipped = {uid for uid, _ in bad}
        split = {k: [i for i in v if i not in skipped] for k, v in split.items()}
        if not split["train"]:
            raise ArtimapError(f"{corpus}: no usable training utterance; see the problems above")
        entries = [_entry(r, by_id[r["id"]], corpus) for r in results if r["id"] not in skipped]
        arrays, stats = concatenate(tmp, parts, entries, phone_ids, len(s.markers or []),
                                    set(split["train"]))
        shutil.rmtree(parts)
        write_phones(tmp, asdict(phones))
        write_stats(tmp, {"layout": "marker-major (m0.x, m0.y, m0.z, ...)", "unit": "mm",
                                **stats})
        manifest = _manifest(corpus, cfg, s, talker, entries, arrays, len(phones), bad)
        manifest["rare_phones"] = rare
        manifest["phone_classes"] = phone_classes(phones.phones, (info or {}).get("phones"))
        write_manifest(tmp, manifest, split)
    return Path(out)


# marker names that usually sit on the rigid head, not on the moving face
_HEAD_PARTS = ("head", "temple", "nasion", "glasses", "mastoid")


def _warn_unstabilised(markers: list[str], utts: list[Utterance]) -> None:
    """A corpus without talker info and no --head-markers: say what is assumed, once per prepare
    (not per file: workers' warnings would repeat it for every utterance)."""
    if utts and all(u.motion.suffix.lower() == ".txy" for u in utts):
        warnings.warn("XRMB pellets have no head markers; head motion is not removed (the pellet "
                      "coordinates are already head-based)", stacklevel=3)
        return
    headlike = [m for m in markers if any(w in m.lower() for w in _HEAD_PARTS)]
    hint = f"; these look like head markers: {', '.join(headlike)}" if headlike else ""
    warnings.warn(
        f"no --head-markers given and the corpus names none: head motion is NOT removed and all "
        f"{len(markers)} markers are face targets{hint}. Pass --head-markers A,B,C (rigid "
        "markers) to stabilise, or --head-markers none to confirm", stacklevel=3)


def _first_labels(utts: list[Utterance], head: list[str]) -> list[str]:
    """Marker labels of the first readable motion file minus the head markers (no --markers)."""
    first: ArtimapError | None = None
    for u in utts:
        try:
            labels = read_motion(u.motion).labels
            skip = set(marker_indices(labels, head, str(u.motion), head=True))
            return [lab for i, lab in enumerate(labels) if i not in skip]
        except ArtimapError as e:
            first = first or e
    if first is not None:  # e.g. the head markers are in no file: that is what to fix
        raise first
    raise ArtimapError("no readable motion file to take the marker list from; pass --markers")
