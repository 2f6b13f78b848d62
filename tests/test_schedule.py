"""Learning-rate schedules: the one-cycle schedule matches torch's OneCycleLR step by step."""

from __future__ import annotations

import pytest
import torch

from artimap.schedule import lr_at


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
