"""A toy regression task for the training loop (imported by the other test_train_* files).

Also runnable as a script under torchrun: `python -m torch.distributed.run --nproc_per_node=2
--standalone tests/test_train_toy.py RUN_DIR EPOCHS BATCH` trains the toy task data-parallel.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

from artimap.train import TrainConfig, train

# the toy model is deliberately not in the registry
pytestmark = pytest.mark.filterwarnings("ignore:model_name 'toy'")


@dataclass
class ToyConfig:
    """Architecture of the toy regressor."""

    n_in: int = 4  # input features
    n_out: int = 2  # outputs
    hidden: int = 16  # hidden units
    dropout: float = 0.0  # dropout on the hidden layer


class ToyNet(nn.Module):
    """(B, n_in) -> (B, n_out) with one hidden layer."""

    def __init__(self, config: ToyConfig) -> None:
        super().__init__()
        self.config = config
        self.net = nn.Sequential(
            nn.Linear(config.n_in, config.hidden), nn.Tanh(), nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.n_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def build_toy(config: dict | None = None) -> ToyNet:
    """Registry-style builder (tests register it with monkeypatch)."""
    return ToyNet(ToyConfig(**(config or {})))


def toy_data(n: int, seed: int) -> TensorDataset:
    """x (n, 4) standard normal, y (n, 2) a fixed linear map of x plus a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    w = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 1.5], [-1.0, 1.0]], np.float32)
    y = x @ w + 0.01 * rng.standard_normal((n, 2)).astype(np.float32)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


class ToyTask:
    """Minimal `Task`: MSE regression; can raise KeyboardInterrupt at a given step."""

    model_name = "toy"

    def __init__(self, n_train: int = 32, n_val: int = 16, dropout: float = 0.0,
                 interrupt_at: int = 0, nan_at: int = 0) -> None:
        self.train_ds, self.val_ds = toy_data(n_train, 1), toy_data(n_val, 2)
        self.dropout = dropout
        self.interrupt_at = interrupt_at  # raise KeyboardInterrupt on this (1-based) train step
        self.nan_at = nan_at  # return a NaN loss from this train step on
        self.calls = 0

    def build_model(self) -> ToyNet:
        return build_toy({"dropout": self.dropout})

    def datasets(self) -> tuple[Dataset, Dataset]:
        return self.train_ds, self.val_ds

    def loss(self, model: nn.Module, batch) -> tuple[torch.Tensor, dict[str, float]]:
        x, y = batch
        if model.training:
            self.calls += 1
            if self.interrupt_at and self.calls == self.interrupt_at:
                raise KeyboardInterrupt
        err = (model(x) - y) ** 2  # (B, 2)
        if model.training and self.nan_at and self.calls >= self.nan_at:
            err = err * float("nan")
        per_dim = err.mean(dim=0).detach()
        return err.mean(), {"mse_0": per_dim[0], "mse_1": per_dim[1]}

    def meta(self) -> dict:
        return {"x_mean": np.zeros(4, np.float32), "note": "toy"}


def quiet(**kw) -> TrainConfig:
    """A CPU TrainConfig without progress bar, with overrides."""
    base = dict(epochs=2, batch_size=8, lr=1e-2, device="cpu", progress=False, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def test_toy_task_learns(tmp_path: Path) -> None:
    state = train(ToyTask(n_train=64), quiet(epochs=15, lr=3e-2), tmp_path / "run")
    from artimap.rundir import read_metrics

    rows = read_metrics(tmp_path / "run")
    assert len(rows) == 15 and state.epoch == 15 and state.step == 15 * 8
    assert rows[-1]["val_loss"] < 0.1 * rows[0]["val_loss"]
    assert rows[-1]["val_loss"] == min(r["val_loss"] for r in rows) or state.best_epoch < 15


if __name__ == "__main__":  # torchrun entry point of the data-parallel test
    out = Path(sys.argv[1])
    cfg = quiet(epochs=int(sys.argv[2]), batch_size=int(sys.argv[3]))
    final = train(ToyTask(), cfg, out)
    # one file per rank: printed lines of two processes can interleave mid-line
    (out / f"rank{os.environ.get('RANK', '0')}.done").write_text(str(final.step))
