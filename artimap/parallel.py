"""Worker processes for preparation and corpus generation: a clean process pool and an ordered
parallel map with a progress bar; torch_threads for a block that runs on its own thread count."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import torch
from tqdm import tqdm

from artimap.errors import one_line_warnings

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block on max(1, n) torch intra-op threads, then restore the previous count
    (also when the block raises or is interrupted)."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _init_worker() -> None:
    """Each worker is one of several processes: keep OpenCV from starting a thread pool each;
    its warnings print as one line like the CLI's."""
    one_line_warnings()
    try:
        # deferred: optional dependency, imported only when this is used
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - cv2 is a dependency
        pass


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers start clean (spawned: fresh interpreters).

    A plain fork copies a parent whose OpenCV/torch thread pools may hold locks; the child can
    then wait forever on a lock no thread of its will release. Spawned workers are also direct
    children of this process, so once the pool is shut down their CPU time counts in this
    process's children's rusage (the demo's Timing table reads it).
    """
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)


def parallel_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int = 1, desc: str = "",
    unit: str = "utt",
) -> list[R]:
    """`[fn(x) for x in items]` over `workers` processes, in order, with a progress bar.

    With workers <= 1 it runs in this process (easier to debug, no pickling).
    """
    items = list(items)
    bar = tqdm(total=len(items), desc=desc, unit=unit, disable=None, leave=False)
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
