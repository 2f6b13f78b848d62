"""Processes and devices for training: torchrun setup, reductions, sharded loaders, AMP, seeds.

`torchrun --nproc_per_node=N ...` sets WORLD_SIZE, RANK and LOCAL_RANK; `setup` reads them and
joins the process group (gloo on CPU, nccl on CUDA). Without them training runs as one process
and every helper here is a no-op. A process group created by the caller (for example with
`init_method="file://..."`) is used as is and left for the caller to destroy.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as tdist
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from artimap.errors import ArtimapError


@dataclass(frozen=True)
class DistInfo:
    """Where this process sits in a data-parallel run."""

    rank: int = 0  # global rank of this process
    world_size: int = 1  # number of processes
    local_rank: int = 0  # rank on this machine (selects the GPU)
    owns_group: bool = False  # True when `setup` created the process group (teardown destroys it)

    @property
    def enabled(self) -> bool:
        """True when gradients must be synchronised across processes."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True on the one process that writes files and shows progress."""
        return self.rank == 0


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """Turn 'auto' | 'cpu' | 'cuda' into a device; 'auto' picks CUDA when available."""
    if name not in ("auto", "cpu", "cuda"):
        raise ArtimapError(f"device: expected auto, cpu or cuda, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ArtimapError("device: cuda requested but no CUDA GPU is visible; use device=cpu")
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda", local_rank % max(torch.cuda.device_count(), 1))


def setup(device_name: str = "auto") -> tuple[DistInfo, torch.device]:
    """Join the process group described by the environment (if any) and pick this rank's device."""
    if tdist.is_available() and tdist.is_initialized():
        rank, world = tdist.get_rank(), tdist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", rank))
        return DistInfo(rank, world, local, owns_group=False), resolve_device(device_name, local)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo(), resolve_device(device_name)
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    device = resolve_device(device_name, local)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    tdist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistInfo(rank, world, local, owns_group=True), device


def teardown(info: DistInfo) -> None:
    """Destroy the process group if `setup` created it."""
    if info.owns_group and tdist.is_initialized():
        tdist.destroy_process_group()


def all_reduce_mean(values: list[float], info: DistInfo, device: torch.device) -> list[float]:
    """Average a list of floats over all processes (identity for one process).

    Every process must pass a list of the same length in the same order.
    """
    if not info.enabled or not values:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=device)  # (n,)
    tdist.all_reduce(t, op=tdist.ReduceOp.SUM)
    return (t / info.world_size).tolist()


def barrier(info: DistInfo) -> None:
    """Wait for every process (no-op for one process)."""
    if info.enabled:
        tdist.barrier()


def shard_loader(
    ds: Dataset,
    batch_size: int,
    info: DistInfo,
    *,
    seed: int,
    epoch: int,
    skip: int = 0,
    shuffle: bool = True,
    num_workers: int = 0,
    collate: Callable[[list], Any] | None = None,
    pin_memory: bool = False,
    batches: list[list[int]] | None = None,
) -> tuple[DataLoader, int]:
    """(loader over this process's share of `ds`, starting after `skip` batches; batches/epoch).

    `batch_size` is per process. The order depends only on (seed, epoch), never on the global
    RNG, so a resumed epoch sees the same batches and creating the loader draws no numbers.
    Process r takes positions r, r + W, r + 2W... of the shuffled order, so the k-th batches of
    all W processes together are exactly the k-th batch of size W * batch_size of one process.
    `batches` (this process's index lists for the epoch, e.g. length-bucketed) replaces that
    sampling; it must be a pure function of (seed, epoch, rank) for resume to be exact.
    """
    if batches is not None:  # the task grouped this process's items into batches itself
        loader = DataLoader(ds, batch_sampler=batches[skip:], num_workers=num_workers,
                            collate_fn=collate, pin_memory=pin_memory)
        return loader, len(batches)
    sampler = DistributedSampler(
        ds, num_replicas=info.world_size, rank=info.rank, shuffle=shuffle, seed=seed
    )
    sampler.set_epoch(epoch)
    order = list(sampler)
    loader = DataLoader(
        ds, batch_size=batch_size, sampler=order[skip * batch_size:], num_workers=num_workers,
        collate_fn=collate, pin_memory=pin_memory,
        generator=torch.Generator().manual_seed(seed * 100_003 + epoch),
    )
    return loader, math.ceil(len(order) / batch_size)


class Mean:
    """Running means of named values (floats or 0-d tensors, kept on device until the end)."""

    def __init__(self) -> None:
        self.sums: dict[str, Any] = {}
        self.n = 0

    def add(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            v = v.detach().float() if isinstance(v, torch.Tensor) else float(v)
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.n += 1

    def result(self, info: DistInfo, device: torch.device) -> dict[str, float]:
        """Means over this process's values, then averaged over all processes."""
        keys = sorted(self.sums)
        local = [float(self.sums[k]) / max(self.n, 1) for k in keys]
        return dict(zip(keys, all_reduce_mean(local, info, device), strict=True))


def to_device(batch: Any, device: torch.device) -> Any:
    """Move every tensor in a (nested dict / list / tuple / namedtuple) batch to `device`."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        moved = [to_device(v, device) for v in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)
    return batch


def amp_dtype(mode: str, dtype_name: str, device: torch.device) -> torch.dtype | None:
    """Autocast type for mode 'auto' | 'on' | 'off' (auto = CUDA only); None = full precision."""
    if not (mode == "on" or (mode == "auto" and device.type == "cuda")):
        return None
    if device.type != "cuda":
        return torch.bfloat16  # CPU autocast: bfloat16 needs no loss scaling
    return torch.float16 if dtype_name == "float16" else torch.bfloat16


def autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """torch.autocast for `dtype`, or a no-op context for full precision."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's (CPU and CUDA) generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
