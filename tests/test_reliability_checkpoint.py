"""Interrupted and damaged runs: Ctrl-C stops at a step boundary and resumes bit-identically,
damaged checkpoints are refused, a half-written metrics line is survived, bad settings named."""

from __future__ import annotations

import json
import os
import signal
import zipfile
from pathlib import Path

import pytest
import torch
from conftest import smoke_config
from test_train import assert_same_weights, weights
from test_train_toy import ToyTask, quiet

from artimap.checkpoint import read_checkpoint
from artimap.config import load_config
from artimap.errors import ArtimapError
from artimap.rundir import read_metrics
from artimap.train import TrainConfig, train

pytestmark = pytest.mark.filterwarnings("ignore:model_name 'toy'")
P2F_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "phone2face" / "baseline.yaml"


def _sigint_during_step(loss_fn, at: int):
    """Wrap a task's loss so that SIGINT arrives while training step `at` (1-based) runs, as a
    real Ctrl-C would: after the forward pass, before backward and the optimiser update."""
    calls = [0]

    def loss(model, batch):
        out = loss_fn(model, batch)
        if model.training:
            calls[0] += 1
            if calls[0] == at:
                os.kill(os.getpid(), signal.SIGINT)
        return out

    return loss


def test_ctrl_c_mid_step_finishes_the_step_and_resumes_bit_identically(tmp_path: Path) -> None:
    run = tmp_path / "run"
    task = ToyTask(dropout=0.2)
    task.loss = _sigint_during_step(task.loss, at=7)
    before = signal.getsignal(signal.SIGINT)  # the default, or SIG_IGN in a background job
    with pytest.raises(KeyboardInterrupt):
        train(task, quiet(epochs=3), run)
    state = read_checkpoint(run / "last.pt")["state"]
    assert (state["step"], state["epoch"], state["batch_in_epoch"]) == (7, 1, 3)
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler restored

    assert train(ToyTask(dropout=0.2), quiet(epochs=3), run, resume=True).step == 12
    straight = tmp_path / "straight"
    train(ToyTask(dropout=0.2), quiet(epochs=3), straight)
    assert_same_weights(weights(run), weights(straight))  # atol 0: bit-identical
    assert [r["epoch"] for r in read_metrics(run)] == [1, 2, 3]


def test_second_ctrl_c_mid_step_writes_no_resumable_checkpoint(tmp_path: Path,
                                                               capsys) -> None:
    """Two Ctrl-C inside step 7, after its forward pass (dropout has drawn its masks): the
    run stops at once and last.pt stays the one of the last boundary (step 4, epoch 1)."""
    run = tmp_path / "run"
    task = ToyTask(dropout=0.2)
    task.loss = _sigint_during_step(_sigint_during_step(task.loss, at=7), at=7)
    with pytest.raises(KeyboardInterrupt):
        train(task, quiet(epochs=3, progress=True), run)
    assert "interrupted mid-step" in capsys.readouterr().out
    state = read_checkpoint(run / "last.pt")["state"]
    assert (state["step"], state["epoch"], state["batch_in_epoch"]) == (4, 1, 0)
    train(ToyTask(dropout=0.2), quiet(epochs=3), run, resume=True)
    train(ToyTask(dropout=0.2), quiet(epochs=3), tmp_path / "straight")
    assert_same_weights(weights(run), weights(tmp_path / "straight"))


def test_ctrl_c_in_the_last_step_of_an_epoch_closes_the_epoch(tmp_path: Path) -> None:
    run = tmp_path / "run"
    task = ToyTask()
    task.loss = _sigint_during_step(task.loss, at=4)  # 4 batches per epoch
    with pytest.raises(KeyboardInterrupt):
        train(task, quiet(epochs=2), run)
    state = read_checkpoint(run / "last.pt")["state"]
    assert (state["step"], state["epoch"], state["batch_in_epoch"]) == (4, 1, 0)
    train(ToyTask(), quiet(epochs=2), run, resume=True)
    train(ToyTask(), quiet(epochs=2), tmp_path / "straight")
    assert_same_weights(weights(run), weights(tmp_path / "straight"))


def _task_ctrl_c_resume(module, cfg_fn, tmp_path: Path) -> None:
    """Ctrl-C at step 2 of 4 then resume == 4 straight steps, for a real task."""
    from artimap.tasks.registry import train_run

    module, cfg = cfg_fn()
    task = module.make_task(cfg)
    task.loss = _sigint_during_step(task.loss, at=2)
    from artimap.train import train as loop

    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        loop(task, cfg.train, run, run_config={"task": cfg.task})
    assert read_checkpoint(run / "last.pt")["state"]["step"] == 2
    train_run(*cfg_fn(), run, resume=True)
    train_run(*cfg_fn(), tmp_path / "straight")
    assert_same_weights(weights(run), weights(tmp_path / "straight"))


def test_ctrl_c_resume_is_bit_identical_for_lip2tongue(l2t_prepared, tmp_path: Path) -> None:
    _task_ctrl_c_resume(None, lambda: smoke_config(l2t_prepared, "train.max_steps=4"), tmp_path)


def test_ctrl_c_resume_is_bit_identical_for_phone2face(p2f_prepared, tmp_path: Path) -> None:
    from artimap.tasks.registry import load_config_file

    sets = [f"data={p2f_prepared}", "train.progress=false", "train.max_steps=4",
            "train.device=cpu", "train.batch_size=2"]
    _task_ctrl_c_resume(None, lambda: load_config_file(P2F_CONFIG, sets), tmp_path)


def test_damaged_checkpoint_is_refused_not_loaded(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(ToyTask(), quiet(epochs=1), run)
    raw = bytearray((run / "last.pt").read_bytes())
    good = torch.load(run / "last.pt", weights_only=True)["model"]["state_dict"]
    # flip one byte inside the first weight tensor's stored data
    first = next(iter(good.values())).numpy().tobytes()
    at = raw.find(first[:16])
    assert at > 0
    raw[at + 5] ^= 0x40
    (run / "last.pt").write_bytes(raw)
    with pytest.raises(ArtimapError, match=r"last\.pt: damaged.*CRC"):
        read_checkpoint(run / "last.pt")
    with pytest.raises(ArtimapError, match="damaged"):
        train(ToyTask(), quiet(epochs=2), run, resume=True)
    (run / "best.pt").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(ArtimapError, match=r"best\.pt: damaged or not a checkpoint"):
        read_checkpoint(run / "best.pt")
    with zipfile.ZipFile(run / "best.pt", "w") as zf:  # intact container, not torch.save's
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ArtimapError, match=r"best\.pt: cannot read as a checkpoint"):
        read_checkpoint(run / "best.pt")


@pytest.mark.parametrize(("field", "value", "said"), [
    (10, 99, "compression method"),  # the record's compression method
    (8, 1, "encrypted"),  # its general-purpose flags: 'encrypted'
    (6, 71, "version"),  # the zip version needed to extract it
])
def test_one_byte_in_the_zip_directory_is_refused_in_one_line(tmp_path: Path, field: int,
                                                               value: int, said: str) -> None:
    run = tmp_path / "run"
    train(ToyTask(), quiet(epochs=1), run)
    raw = bytearray((run / "last.pt").read_bytes())
    at = raw.rfind(b"PK\x01\x02")  # the last record's central directory entry
    raw[at + field] = value
    (run / "last.pt").write_bytes(raw)
    with pytest.raises(ArtimapError, match=rf"last\.pt: damaged or not a checkpoint \(.*{said}"
                       ) as err:
        read_checkpoint(run / "last.pt")
    assert "\n" not in str(err.value)


def test_half_written_metrics_line_is_dropped_at_resume(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(ToyTask(), quiet(epochs=1), run)
    with open(run / "metrics.jsonl", "a") as f:
        f.write('{"epoch": 2, "step": 8, "train_lo')  # killed while appending
    train(ToyTask(), quiet(epochs=2), run, resume=True)
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2]


@pytest.mark.parametrize("item, key", [
    ("epochs=-3", "train.epochs: must be >= 1"), ("batch_size=0", "train.batch_size"),
    ("lr=-0.1", "train.lr: must be >= 0"), ("lr=.nan", "lr: must be a finite number"),
    ("max_steps=-1", "train.max_steps"), ("num_workers=-2", "train.num_workers"),
])
def test_out_of_range_training_settings_are_named(item: str, key: str) -> None:
    with pytest.raises(ArtimapError, match=key) as err:
        load_config(TrainConfig, None, [item])
    assert "--set" in str(err.value)


def test_yaml_booleans_are_read_back_as_the_words_a_choice_expects() -> None:
    assert load_config(TrainConfig, None, ["amp=on"]).amp == "on"
    assert load_config(TrainConfig, None, ["amp=off"]).amp == "off"
    with pytest.raises(ArtimapError, match="amp"):
        load_config(TrainConfig, None, ["amp=maybe"])


SLOW_TOY = """
import sys, time
sys.path.insert(0, sys.argv[4])
from test_train_toy import ToyTask, quiet
from artimap.train import train

class Slow(ToyTask):
    def loss(self, model, batch):
        if model.training:
            time.sleep(0.03)
        return super().loss(model, batch)

try:
    train(Slow(dropout=0.2), quiet(epochs=int(sys.argv[2]), num_workers=2), sys.argv[1],
          resume=sys.argv[3] == "1")
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_terminal_ctrl_c_with_loader_workers_resumes_bit_identically(tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: the loader workers die too;
    the run still stops at a step boundary with a resumable checkpoint."""
    import subprocess
    import sys
    import time

    run, tests = tmp_path / "run", str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-c", SLOW_TOY, str(run), "40", "0", tests]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (run / "metrics.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # somewhere inside epoch 2 or 3
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()[-2000:]
    assert b"interrupted: resumable checkpoint saved" in out
    step = read_checkpoint(run / "last.pt")["state"]["step"]
    assert 4 <= step < 24, step  # before the 6 epochs (24 steps) the resumed run trains
    resumed = subprocess.run([sys.executable, "-c", SLOW_TOY, str(run), "6", "1", tests], env=env)
    assert resumed.returncode == 0
    straight = tmp_path / "straight"
    subprocess.run([sys.executable, "-c", SLOW_TOY, str(straight), "6", "0", tests], env=env,
                   check=True)
    assert_same_weights(weights(run), weights(straight))
