"""Batches of utterances of similar length (little padding), reshuffled every epoch, and split
evenly over DDP ranks.

Utterances are shuffled, cut into pools of `pool` batches, sorted by length inside each pool and
cut into batches; the batch order is shuffled again. Without shuffling, batches follow the
global length order. With `world_size` > 1 every rank gets the same number of batches (batches
are repeated from the start to make the count a multiple of world_size, or the extra ones are
dropped with `drop_last`); rank r takes batches r, r + world_size, ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


class BucketBatchSampler(Sampler[list[int]]):
    """Yields lists of B item indices of similar `lengths`; call `set_epoch` every epoch."""

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
        pool: int = 50,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, world_size={world_size}), got {rank}")
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.rank = rank
        self.world_size = world_size
        self.pool = max(1, pool)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use a different (seeded) order for `epoch`."""
        self.epoch = epoch

    def _batches(self) -> list[np.ndarray]:
        n = len(self.lengths)
        if self.shuffle:
            rng = np.random.default_rng([self.seed, self.epoch])
            order = rng.permutation(n)
            size = self.batch_size * self.pool
            pools = [order[i:i + size] for i in range(0, n, size)] or [order]
            order = np.concatenate([p[np.argsort(self.lengths[p], kind="stable")] for p in pools])
        else:
            order = np.argsort(self.lengths, kind="stable")
        batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def _per_rank(self, n_batches: int) -> int:
        if self.drop_last:
            return n_batches // self.world_size
        return -(-n_batches // self.world_size)

    def __len__(self) -> int:
        n = len(self.lengths)
        n_batches = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return self._per_rank(n_batches)

    def __iter__(self) -> Iterator[list[int]]:
        batches = self._batches()
        per_rank = self._per_rank(len(batches))
        total = per_rank * self.world_size
        if total > len(batches) and batches:  # repeat from the start so every rank gets as many
            batches = batches + [batches[i % len(batches)] for i in range(total - len(batches))]
        for b in batches[:total][self.rank::self.world_size]:
            yield [int(i) for i in b]
