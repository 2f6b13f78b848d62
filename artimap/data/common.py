"""Pieces shared by every prepare step: seeded splits, manifests, arrays (worker processes:
artimap.parallel).

The writing side of a prepared dataset (the reading side is `artimap.data.prepared`, the one
owner of a prepared folder). A prepared dataset is a folder:

    manifest.json   what was prepared, from what, with which settings; per-utterance entries
    split.json      {"train": [...utterance ids], "val": [...], "test": [...]}
    *.npy           arrays concatenated over utterances, opened with mmap_mode="r"
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.prepared import MANIFEST, PHONES, SPLIT, SPLITS, STATS
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_dir, atomic_write_json
from artimap.io.text import read_text


def split_ids(
    ids: Sequence[str], fractions: Sequence[float], seed: int = 0
) -> dict[str, list[str]]:
    """Split utterance ids into train/val/test by a seeded shuffle.

    Every split gets at least one id when there are enough ids; the order inside a split follows
    `ids`. The same (ids, fractions, seed) always gives the same split.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or sum(fractions) <= 0:
        raise ArtimapError(f"split fractions must be three non-negative numbers, got {fractions}")
    ids = list(ids)
    if len(set(ids)) != len(ids):
        raise ArtimapError("utterance ids are not unique; rename the duplicated files")
    order = np.random.default_rng(seed).permutation(len(ids))
    frac = np.asarray(fractions, dtype=float) / sum(fractions)
    counts = np.floor(frac * len(ids)).astype(int)
    for i in np.argsort(-frac):  # hand out the remainder, largest fraction first
        if counts.sum() >= len(ids):
            break
        counts[i] += 1
    for i in range(3):  # a non-zero fraction gets at least one id when possible
        if frac[i] > 0 and counts[i] == 0 and counts.max() > 1:
            counts[int(np.argmax(counts))] -= 1
            counts[i] = 1
    bounds = np.cumsum(counts)[:-1]
    chosen = np.split(order, bounds)
    _warn_empty(counts, frac)
    return {name: [ids[j] for j in sorted(part)] for name, part in zip(SPLITS, chosen)}


_EMPTY_MEANS = {"train": "nothing to train on", "val": "no validation (early stopping falls back "
               "to the training loss)", "test": "no test score"}


def _warn_empty(counts: np.ndarray, frac: np.ndarray) -> None:
    """Warn when a split asked for (fraction > 0) got no utterance: too few to split."""
    empty = [name for name, n, f in zip(SPLITS, counts, frac) if f > 0 and n == 0]
    if empty:
        sizes = ", ".join(f"{name} {n}" for name, n in zip(SPLITS, counts))
        means = "; ".join(_EMPTY_MEANS[name] for name in empty)
        warnings.warn(f"{int(counts.sum())} utterance(s) are too few to split ({sizes}): "
                      f"{means}. Prepare more utterances, or give the split lists yourself",
                      stacklevel=3)


def read_split_lists(paths: dict[str, str | Path], ids: Sequence[str]) -> dict[str, list[str]]:
    """Read user-given split lists (one utterance id per line) and check them against `ids`."""
    known = set(ids)
    out: dict[str, list[str]] = {}
    for name, path in paths.items():
        lines = read_text(path, "split list").split()
        missing = sorted(set(lines) - known)
        if missing:
            raise ArtimapError(f"{path}: unknown utterance ids {missing[:5]}; check the list")
        out[name] = lines
    _check_disjoint(paths, out)
    for name in SPLITS:
        out.setdefault(name, [])
    return out


def _check_disjoint(paths: dict[str, str | Path], lists: dict[str, list[str]]) -> None:
    """An utterance in two splits (e.g. the same list given for train and val) would make the
    validation loss a training loss: refuse, naming both lists."""
    names = list(lists)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = sorted(set(lists[a]) & set(lists[b]))
            if both:
                raise ArtimapError(
                    f"{paths[b]}: {len(both)} utterance(s) of the {b} list are also in the {a} "
                    f"list {paths[a]} (e.g. {both[:3]}); each utterance belongs to one split: "
                    "give disjoint lists")


def write_manifest(folder: Path, manifest: dict[str, Any], split: dict[str, list[str]]) -> None:
    """Write manifest.json and split.json into a prepared-dataset folder."""
    atomic_write_json(folder / MANIFEST, manifest)
    atomic_write_json(folder / SPLIT, split)


def write_stats(folder: Path, stats: dict[str, Any]) -> None:
    """Write stats.json (statistics fitted on the training split) into a prepared folder."""
    atomic_write_json(folder / STATS, stats)


def write_phones(folder: Path, phones: dict[str, Any]) -> None:
    """Write phones.json (phone2face's phone inventory) into a prepared folder."""
    atomic_write_json(folder / PHONES, phones)


def prepared_dir(out: str | Path, overwrite: bool):
    """`atomic_dir` for a prepared dataset: the folder counts as complete once it has its
    manifest."""
    return atomic_dir(out, overwrite=overwrite, marker=MANIFEST)


def save_array(folder: Path, name: str, array: np.ndarray) -> dict[str, Any]:
    """Save `array` as folder/name.npy; return a manifest entry (file, shape, dtype)."""
    np.save(folder / f"{name}.npy", array)
    return {"file": f"{name}.npy", "shape": list(array.shape), "dtype": str(array.dtype)}


def carve_val_blocks(entries: list[dict], split: dict[str, list[str]], fraction: float,
                     gap: int) -> tuple[list[dict], dict[str, list[str]]]:
    """Hold out the last `fraction` of every training utterance as validation.

    With few recordings (one speaker, one or two utterances) a whole utterance cannot be spared
    for validation, and random frames would leak their neighbours (clips overlap). So each
    training utterance keeps its first frames; its last `fraction` becomes the utterance
    `<id>@val` (same arrays, a later offset), and `gap` frames (a clip length) between the two
    are used by neither. Returns the new entries (manifest order) and split.
    """
    if not 0 < fraction < 1 or gap < 0:
        raise ArtimapError(f"--val-block must be in (0, 1) and --val-gap >= 0, got {fraction}, "
                           f"{gap}")
    train = set(split["train"])
    out, val_ids = [], []
    for e in entries:
        if e["id"] not in train:
            out.append(e)
            continue
        n = int(e["n_frames"])
        n_val = int(round(fraction * n))
        n_train = n - n_val - gap
        if n_val < 1 or n_train < 1:
            raise ArtimapError(f"utterance {e['id']}: {n} frames are too few for a validation "
                               f"block of {fraction:g} after a gap of {gap}; lower --val-block")
        held = {**e, "id": f"{e['id']}@val", "offset": int(e["offset"]) + n_train + gap,
                "n_frames": n_val, "block_of": e["id"], "block_start": n_train + gap}
        out += [{**e, "n_frames": n_train, "block_of": e["id"], "block_start": 0}, held]
        val_ids.append(held["id"])
    return out, {**split, "val": split["val"] + val_ids}
