"""The training loop: smoke run, resume, Ctrl-C, early stopping, run directory, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml
from test_train_toy import ToyTask, quiet

from artimap.checkpoint import read_checkpoint
from artimap.config import load_config
from artimap.errors import ArtimapError
from artimap.rundir import read_metrics
from artimap.train import TrainConfig, smoke, train

# the toy model is deliberately not in the registry
pytestmark = pytest.mark.filterwarnings("ignore:model_name 'toy'")


def weights(run_dir: Path, name: str = "last.pt") -> dict[str, torch.Tensor]:
    return read_checkpoint(run_dir / name)["model"]["state_dict"]


def assert_same_weights(a: dict, b: dict, atol: float = 0.0) -> None:
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=atol, rtol=0.0)


def test_smoke_two_steps_then_resume_continues(tmp_path: Path) -> None:
    cfg = smoke(quiet(epochs=3))
    assert (cfg.max_steps, cfg.device, cfg.num_workers) == (2, "cpu", 0)
    run = tmp_path / "run"
    state = train(ToyTask(), cfg, run)
    assert (state.step, state.epoch, state.batch_in_epoch) == (2, 0, 2)
    assert read_checkpoint(run / "last.pt")["state"]["step"] == 2
    assert [r["step"] for r in read_metrics(run)] == [2]
    assert read_metrics(run)[0]["complete"] is False

    state = train(ToyTask(), quiet(epochs=3, max_steps=6), run, resume=True)
    assert (state.step, state.epoch, state.batch_in_epoch) == (6, 1, 2)
    rows = read_metrics(run)
    assert [r["step"] for r in rows] == [2, 4, 6]  # grew from the saved step, no restart
    assert [r["complete"] for r in rows] == [False, True, False]
    assert json.loads((run / "run.json").read_text())["resumes"][0]["step"] == 2

    straight = tmp_path / "straight"
    train(ToyTask(), quiet(epochs=3, max_steps=6), straight)
    assert_same_weights(weights(run), weights(straight))  # exact resume


def test_ctrl_c_saves_resumable_checkpoint(tmp_path: Path) -> None:
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(ToyTask(dropout=0.2, interrupt_at=7), quiet(epochs=3), run)
    ckpt = read_checkpoint(run / "last.pt")  # raised inside step 7: the last boundary is kept
    assert ckpt["state"]["step"] == 4 and ckpt["state"]["epoch"] == 1
    assert {"optimizer", "scaler", "rng"} <= ckpt.keys()

    state = train(ToyTask(dropout=0.2), quiet(epochs=3), run, resume=True)
    assert state.step == 12 and state.epoch == 3
    assert [r["epoch"] for r in read_metrics(run)] == [1, 2, 3]

    straight = tmp_path / "straight"
    train(ToyTask(dropout=0.2), quiet(epochs=3), straight)
    # same data order, optimiser state and dropout masks as an uninterrupted run
    assert_same_weights(weights(run), weights(straight))


def test_resume_drops_metrics_logged_after_the_checkpoint(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(ToyTask(), quiet(epochs=2), run)
    ckpt = read_checkpoint(run / "last.pt")
    with open(run / "metrics.jsonl", "a") as f:  # as if killed after logging, before saving
        f.write(json.dumps({"epoch": 3, "step": 12}) + "\n")
    state = train(ToyTask(), quiet(epochs=3), run, resume=True)
    assert ckpt["state"]["step"] == 8 and state.step == 12
    assert [r["epoch"] for r in read_metrics(run)] == [1, 2, 3]
    assert "train_loss" in read_metrics(run)[-1]


def test_early_stopping_stops_after_patience(tmp_path: Path) -> None:
    run = tmp_path / "run"
    state = train(ToyTask(), quiet(epochs=20, lr=0.0, patience=2), run)  # lr 0: no improvement
    assert state.epoch == 3 and state.best_epoch == 1 and state.bad_epochs == 2
    assert len(read_metrics(run)) == 3
    assert read_checkpoint(run / "best.pt")["state"]["best_epoch"] == 1
    again = train(ToyTask(), quiet(epochs=20, lr=0.0, patience=2), run, resume=True)
    assert again.epoch == 3  # a finished run stays finished


def test_run_dir_is_self_describing(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(ToyTask(), quiet(epochs=1), run, run_config={"data": {"path": "x"}})
    assert {p.name for p in run.iterdir()} == {
        "config.yaml", "run.json", "metrics.jsonl", "best.pt", "last.pt"
    }
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    assert cfg["train"]["batch_size"] == 8 and cfg["data"] == {"path": "x"}
    assert cfg["model"] == {"name": "toy", "config": {"n_in": 4, "n_out": 2, "hidden": 16,
                                                      "dropout": 0.0}}
    assert load_config(TrainConfig, None, [f"{k}={v}" for k, v in cfg["train"].items()]) \
        == quiet(epochs=1)
    info = json.loads((run / "run.json").read_text())
    assert info["git_commit"] and info["world_size"] == 1 and info["amp"] == "off"
    row = read_metrics(run)[0]
    expected = {"epoch", "step", "complete", "train_loss", "val_loss", "train_mse_0", "val_mse_1",
                "best_val", "seconds"}
    assert expected <= row.keys()


def test_checkpoints_load_weights_only_with_meta(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(ToyTask(), quiet(epochs=1), run)
    for name in ("best.pt", "last.pt"):
        ckpt = torch.load(run / name, weights_only=True)
        assert ckpt["model"]["name"] == "toy"
        assert torch.equal(ckpt["meta"]["x_mean"], torch.zeros(4))  # numpy stored as tensor
        assert ckpt["meta"]["note"] == "toy" and ckpt["train_config"]["batch_size"] == 8
    assert "optimizer" not in torch.load(run / "best.pt", weights_only=True)


def test_unregistered_model_name_warns(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="not in artimap.models.MODELS"):
        train(ToyTask(), smoke(quiet()), tmp_path / "run")


def test_existing_run_needs_resume(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(ToyTask(), smoke(quiet()), run)
    with pytest.raises(ArtimapError, match="already holds"):
        train(ToyTask(), smoke(quiet()), run)


def test_divergence_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArtimapError, match="diverged"):
        train(ToyTask(nan_at=2), quiet(epochs=2), tmp_path / "run")


def test_without_validation_set_early_stopping_uses_training_loss(tmp_path: Path) -> None:
    task = ToyTask()
    task.val_ds = None
    state = train(task, quiet(epochs=2, num_workers=1), tmp_path / "run")  # one worker process
    rows = read_metrics(tmp_path / "run")
    assert state.best_val == min(r["train_loss"] for r in rows)
    assert "val_loss" not in rows[0] and state.epoch == 2


def test_amp_on_cpu_uses_bfloat16(tmp_path: Path) -> None:
    state = train(ToyTask(), quiet(epochs=1, amp="on"), tmp_path / "run")
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["amp"] == "bfloat16" and state.step == 4


def test_train_config_rejects_unknown_keys_and_bad_values() -> None:
    with pytest.raises(ArtimapError, match="lrr"):
        load_config(TrainConfig, None, ["lrr=1"])
    with pytest.raises(ArtimapError, match="amp"):
        load_config(TrainConfig, None, ["amp=maybe"])
    assert load_config(TrainConfig, None, ["lr=1e-4", "max_steps=2"]).lr == 1e-4



def test_task_batches_hook_controls_training_batches(tmp_path) -> None:
    """A task's `batches` member decides which items go together, and in which order."""
    seen: list[torch.Tensor] = []

    class Grouped(ToyTask):
        def batches(self, ds, batch_size, rank, world_size, seed, epoch):
            n = len(ds)  # contiguous groups, last group first: nothing like a random shuffle
            return [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)][::-1]

        def loss(self, model, batch):
            if model.training:
                seen.append(batch[0])
            return super().loss(model, batch)

    task = Grouped(n_train=12)
    train(task, quiet(epochs=1, batch_size=5), tmp_path / "run")
    x = task.train_ds.tensors[0]
    assert [len(b) for b in seen] == [2, 5, 5]
    torch.testing.assert_close(torch.cat(seen), torch.cat([x[10:], x[5:10], x[:5]]))


def test_training_summary_is_strict_json(tmp_path) -> None:
    """A run without validation keeps best_val = inf; evaluations must still write valid JSON."""
    from artimap.rundir import append_metrics, training_summary

    append_metrics(tmp_path, {"epoch": 1, "seconds": 1.5})
    summary = training_summary(tmp_path, {"best_epoch": 1, "step": 4, "best_val": float("inf")})
    assert summary["best_val"] is None and summary["epochs"] == 1
    assert summary["train_seconds"] == 1.5
    json.dumps(summary, allow_nan=False)  # raises on Infinity / NaN
