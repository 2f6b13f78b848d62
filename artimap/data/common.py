"""Pieces shared by every prepare step: seeded splits, manifests, arrays (worker processes:
artimap.parallel).

A prepared dataset is a folder:

    manifest.json   what was prepared, from what, with which settings; per-utterance entries
    split.json      {"train": [...utterance ids], "val": [...], "test": [...]}
    *.npy           arrays concatenated over utterances, opened with mmap_mode="r"
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from artimap.errors import ArtimapError, file_error
from artimap.fsutil import atomic_write_json
from artimap.io.text import read_text

SPLITS = ("train", "val", "test")


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
    atomic_write_json(folder / "manifest.json", manifest)
    atomic_write_json(folder / "split.json", split)


def read_manifest(folder: str | Path, task: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Read a prepared dataset's manifest and split, checking it was prepared for `task`."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        split = json.loads((folder / "split.json").read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ArtimapError(
            f"{folder}: not a prepared dataset (no {Path(e.filename).name}); "
            f"run `artimap prepare {task} --corpus ... --out {folder}` first"
        ) from None
    if manifest.get("task") != task:
        raise ArtimapError(
            f"{folder}: prepared for task {manifest.get('task')!r}, not {task!r}"
        )
    return manifest, split


def save_array(folder: Path, name: str, array: np.ndarray) -> dict[str, Any]:
    """Save `array` as folder/name.npy; return a manifest entry (file, shape, dtype)."""
    np.save(folder / f"{name}.npy", array)
    return {"file": f"{name}.npy", "shape": list(array.shape), "dtype": str(array.dtype)}


def open_array(folder: str | Path, name: str) -> np.ndarray:
    """Memory-map folder/name.npy read-only (pages are read on demand, shared across workers).

    A missing, truncated or damaged array is an ArtimapError naming it (prepare again)."""
    path = Path(folder) / f"{name}.npy"
    fix = f"The prepared dataset {Path(folder)} is incomplete or damaged; prepare it again"
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise file_error(path, "prepared array missing", fix) from None
    except (ValueError, OSError, EOFError) as e:  # mmap longer than the file, bad header
        raise file_error(path, f"prepared array truncated or damaged ({e})", fix) from None


def check_finite(folder: str | Path, task: str, allow_nan: dict[str, bool],
                 splits: Sequence[str] = ("train", "val"), chunk: int = 1024) -> None:
    """Refuse NaN / infinite values in prepared float arrays before training, naming the
    utterances: in a target or an input they only show later as a diverged loss.

    `allow_nan` maps array name -> whether NaN is allowed (targets whose NaN the loss leaves
    out: then only infinities are refused); arrays the dataset lacks are skipped."""
    folder = Path(folder)
    manifest, split = read_manifest(folder, task)
    wanted = {uid for name in splits for uid in split.get(name, [])}
    for name, nan_ok in allow_nan.items():
        if name not in manifest.get("arrays", {}):
            continue
        array = open_array(folder, name)
        if array.dtype.kind != "f":
            continue
        counts = [(u["id"], _count_bad(array, u["offset"], u["n_frames"], nan_ok, chunk))
                  for u in manifest["utterances"] if u["id"] in wanted]
        bad = [(uid, n) for uid, n in counts if n]
        if bad:
            shown = ", ".join(f"{uid}: {n}" for uid, n in bad[:5]) + (", ..." if len(bad) > 5
                                                                       else "")
            kind = "infinite" if nan_ok else "NaN or infinite"
            raise file_error(folder / f"{name}.npy", f"{kind} values in {len(bad)} utterance(s) "
                             f"({shown}); training on them would diverge",
                             "Fix those utterances' source files and prepare again, or leave "
                             "them out of the split")


def _count_bad(array: np.ndarray, start: int, n: int, nan_ok: bool, chunk: int) -> int:
    """Non-finite values (only infinities when `nan_ok`) in array[start:start + n]."""
    count = 0
    for lo in range(start, start + n, chunk):
        part = np.asarray(array[lo:min(lo + chunk, start + n)])
        count += int(np.isinf(part).sum() if nan_ok else (~np.isfinite(part)).sum())
    return count
