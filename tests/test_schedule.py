"""Learning-rate schedules: the one-cycle schedule matches torch's OneCycleLR step by step, and
the training loop sets it at every step of a run whose task makes its own batches."""

from __future__ import annotations

import pytest
import torch
from test_train_toy import ToyTask, quiet
from torch.optim.optimizer import register_optimizer_step_pre_hook

from artimap.schedule import lr_at
from artimap.train import train


@pytest.mark.parametrize("total", [100, 480])
def test_onecycle_matches_torch(total):
    opt = torch.optim.Adam(torch.nn.Linear(1, 1).parameters(), lr=3e-3)
    ref = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=total, pct_start=0.1)
    for step in range(total):
        assert lr_at("onecycle", 3e-3, step, total, 0.1) == pytest.approx(
            opt.param_groups[0]["lr"], rel=1e-9)
        opt.step()
        ref.step()


def test_constant_and_unknown():
    assert lr_at("constant", 1e-3, 57, 100) == 1e-3
    with pytest.raises(ValueError, match="lr_schedule 'cosine'"):
        lr_at("cosine", 1e-3, 0, 10)


class _BucketedToy(ToyTask):
    """The toy task with its own batches (as phone2face's length buckets): 7 per epoch of 32
    items at batch_size 8, where ceil(32 / 8) would say 4."""

    def batches(self, ds, batch_size, rank, world_size, seed, epoch):
        return [list(range(i, min(i + 5, len(ds)))) for i in range(0, len(ds), 5)]


def test_training_sets_the_onecycle_lr_of_every_step(tmp_path):
    seen = []
    hook = register_optimizer_step_pre_hook(
        lambda opt, args, kwargs: seen.append(opt.param_groups[0]["lr"]))
    try:
        train(_BucketedToy(), quiet(epochs=4, lr=1e-2, lr_schedule="onecycle", lr_warmup=0.25),
              tmp_path / "run")
    finally:
        hook.remove()
    total = 4 * 7  # the batches the loop ran, not 4 * ceil(32 / 8)
    assert seen == [lr_at("onecycle", 1e-2, s, total, 0.25) for s in range(total)]
    end = int(0.25 * total) - 1  # the warm-up ends at step 6: the peak lr
    assert seen[end] == pytest.approx(1e-2) and max(seen) == seen[end]
    assert all(a < b for a, b in zip(seen[:end], seen[1:end + 1]))  # rises to the peak
    assert all(a > b for a, b in zip(seen[end:], seen[end + 1:]))  # then only falls
    assert seen[0] == pytest.approx(1e-2 / 25) and seen[-1] == pytest.approx(1e-2 / 25e4)
