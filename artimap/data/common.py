"""Pieces shared by every prepare step: seeded splits, a parallel map, manifests, arrays.

A prepared dataset is a folder:

    manifest.json   what was prepared, from what, with which settings; per-utterance entries
    split.json      {"train": [...utterance ids], "val": [...], "test": [...]}
    *.npy           arrays concatenated over utterances, opened with mmap_mode="r"
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from tqdm import tqdm

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_json

T = TypeVar("T")
R = TypeVar("R")

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
    return {name: [ids[j] for j in sorted(part)] for name, part in zip(SPLITS, chosen)}


def read_split_lists(paths: dict[str, str | Path], ids: Sequence[str]) -> dict[str, list[str]]:
    """Read user-given split lists (one utterance id per line) and check them against `ids`."""
    known = set(ids)
    out: dict[str, list[str]] = {}
    for name, path in paths.items():
        lines = Path(path).read_text(encoding="utf-8").split()
        missing = sorted(set(lines) - known)
        if missing:
            raise ArtimapError(f"{path}: unknown utterance ids {missing[:5]}; check the list")
        out[name] = lines
    for name in SPLITS:
        out.setdefault(name, [])
    return out


def _init_worker() -> None:
    """Each worker is one of several processes: keep OpenCV from starting a thread pool each."""
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - cv2 is a dependency
        pass


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers start clean (forkserver on Linux).

    A plain fork copies a parent whose OpenCV/torch thread pools may hold locks; the child can
    then wait forever on a lock no thread of its will release. Forkserver children are forked
    from a small server process that never ran those libraries.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)


def parallel_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int = 1, desc: str = ""
) -> list[R]:
    """`[fn(x) for x in items]` over `workers` processes, in order, with a progress bar.

    With workers <= 1 it runs in this process (easier to debug, no pickling).
    """
    items = list(items)
    bar = tqdm(total=len(items), desc=desc, unit="utt", disable=None, leave=False)
    try:
        if workers <= 1 or len(items) <= 1:
            out = []
            for x in items:
                out.append(fn(x))
                bar.update()
            return out
        with worker_pool(min(workers, len(items))) as pool:
            futures = [pool.submit(fn, x) for x in items]
            out = []
            for f in futures:
                out.append(f.result())
                bar.update()
            return out
    finally:
        bar.close()


def default_workers() -> int:
    """Worker processes to use when the user did not say: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


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
    """Memory-map folder/name.npy read-only (pages are read on demand, shared across workers)."""
    return np.load(Path(folder) / f"{name}.npy", mmap_mode="r")
