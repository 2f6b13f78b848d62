"""lip2tongue task: config resolution, smoke train -> evaluate -> resume, reference rows."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import smoke_config

from artimap.checkpoint import read_checkpoint
from artimap.errors import ArtimapError
from artimap.rundir import read_metrics
from artimap.tasks.evaluation import evaluate
from artimap.tasks.lip2tongue.task import Normaliser
from artimap.tasks.registry import load_run

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "lip2tongue"


def command(name: str, argv: list[str]) -> int:
    """Run one artimap subcommand module (its own parser, as the CLI registers it)."""
    import importlib

    module = importlib.import_module(f"artimap.commands.{name}")
    parser = argparse.ArgumentParser(prog="artimap")
    module.register(parser.add_subparsers())
    args = parser.parse_args([name, *argv])
    return args.func(args)


def test_smoke_train_evaluate_then_resume_continues(l2t_prepared, tmp_path, capsys):
    run = tmp_path / "run"
    argv = [str(CONFIGS / "smoke.yaml"), "--out", str(run), "--set", f"data={l2t_prepared}",
            "--set", "train.progress=false"]
    assert command("train", [*argv, "--evaluate"]) == 0
    assert "split test, 24 frames: ssim" in capsys.readouterr().out
    assert [r["step"] for r in read_metrics(run)] == [2]
    ckpt = read_checkpoint(run / "best.pt")
    meta = ckpt["meta"]
    assert meta["task"] == "lip2tongue" and meta["data"]["image_size"] == 32
    assert meta["data"]["target_size"] == [128, 64] and meta["data"]["flow"] == "farneback"
    assert ckpt["model"]["config"]["in_size"] == 32 and ckpt["model"]["config"]["out_w"] == 64
    assert meta["normalisation"]["fitted_on"] == "train"
    metrics = json.loads((run / "eval" / "metrics.json").read_text())
    assert metrics["n_frames"] == 24 and metrics["split"] == "test"
    assert "pixels of the 128x64 target image" in metrics["units"]["msd"]
    for name in ("ssim", "cw_ssim", "cw_ssim_pyssim"):
        m = metrics["metrics"][name]
        assert -1 < m["mean"] <= 1 and m["std"] >= 0 and len(m["per_utterance"]) == 1
    assert metrics["training"]["best_epoch"] == 1 and metrics["training"]["step"] == 2

    assert command("train", [*argv, "--resume", "--set", "train.max_steps=4"]) == 0
    assert [r["step"] for r in read_metrics(run)] == [2, 4]  # continued from the saved step
    assert read_checkpoint(run / "last.pt")["state"]["step"] == 4
    _, cfg = load_run(run)
    assert cfg.train.max_steps == 4 and cfg.data == str(l2t_prepared.resolve())
    with pytest.raises(ArtimapError, match="already holds a training run"):
        command("train", argv)


def test_reference_rows_are_cached_and_beat_a_two_step_model(l2t_run, l2t_prepared):
    metrics = json.loads((l2t_run / "eval" / "metrics.json").read_text())
    refs = metrics["references"]
    # the talker corpus has truth: both oracles join the floor and the baselines
    assert set(refs) == {"train_mean", "nearest_neighbour", "ridge_lip_pixels", "lip_oracle",
                         "state_oracle"}
    for ref in refs.values():
        assert set(ref) >= {"ssim", "cw_ssim", "cw_ssim_pyssim", "msd", "r2_speckle_free",
                            "contour_mm", "description"}
        assert ref["ssim"]["n_frames"] == 24 and ref["msd"]["mean"] > 0
    # the output layer starts at zero (zero_output), so two steps leave the model at the
    # training-mean image; the metrics agree, and tell retrieval apart from it
    for name in ("ssim", "msd"):
        model, mean = metrics["metrics"][name]["mean"], refs["train_mean"][name]["mean"]
        assert model == pytest.approx(mean, abs=0.02 * max(1.0, mean))
    assert refs["nearest_neighbour"]["ssim"]["mean"] < refs["train_mean"]["ssim"]["mean"] - 0.02
    assert refs["train_mean"]["r2_speckle_free"]["mean"] == pytest.approx(0.0, abs=1e-9)
    assert refs["train_mean"]["contour_mm"]["mean"] > 0
    cache = Path(metrics["settings"]["references_cache"])
    assert cache.parent == l2t_prepared / "cache" and cache.is_file()
    with np.load(l2t_run / "eval" / "samples.npz") as z:
        assert z["real"].shape == (4, 128, 64) and z["pred"].shape == (4, 128, 64)
        assert z["lips"].shape == (4, 32, 32) and z["train_mean"].shape == (128, 64)
    again = evaluate(l2t_run)
    assert again["references"] == refs  # read back from the cache


def test_every_paper_row_builds_and_trains_on_the_data(l2t_prepared):
    from artimap.experiment import plan

    _, module, specs = plan(CONFIGS / "paper.yaml", "unused", smoke=True,
                            data=str(l2t_prepared))
    assert [s.name for s in specs] == ["convlstm", "convlstm_att", "ts_cnn_lstm",
                                       "ts_cnn_lstm_att", "raw_frames", "no_flow_att"]
    train, _ = module.make_task(specs[0].config).datasets()
    batch = torch.utils.data.default_collate([train[0], train[1]])
    for spec in specs:
        task = module.make_task(spec.config)
        model = task.build_model()
        loss, _ = task.loss(model, batch)
        assert loss.ndim == 0 and torch.isfinite(loss)
        flow = model.config.use_flow if hasattr(model.config, "use_flow") else False
        assert flow == spec.name.startswith("ts_cnn"), spec.name


def test_data_sizes_come_from_the_data(l2t_prepared):
    module, cfg = smoke_config(l2t_prepared, "model_config.in_size=96")
    with pytest.raises(ArtimapError, match=r"model_config.in_size: 96 disagrees with 32"):
        module.make_task(cfg)
    module, cfg = smoke_config(l2t_prepared, "target_position=all", "clip_len=5")
    task = module.make_task(cfg)
    assert task.model_config["n_frames"] == 5 and task.model_config["target_position"] == "all"
    train, _ = task.datasets()
    batch = torch.utils.data.default_collate([train[0], train[3]])
    assert batch["target"].shape == (2, 5, 128, 64)
    assert torch.isfinite(task.loss(task.build_model(), batch)[0])


def test_normaliser_round_trip_and_missing_statistics():
    stats = {"frames": {"mean": 0.5, "std": 0.25}, "flow": {"mean": [1.0, -1.0], "std": [2, 4]},
             "target": {"mean": [[1.0, None]], "std": [[2.0, 0.0]]}}
    norm = Normaliser(stats)
    frames, flow = norm.inputs(torch.full((1, 3, 1, 4, 4), 0.75), torch.ones(1, 2, 2, 4, 4))
    assert torch.allclose(frames, torch.ones_like(frames))
    assert torch.allclose(flow[:, :, 0], torch.zeros(1, 2, 4, 4))
    assert torch.allclose(flow[:, :, 1], torch.full((1, 2, 4, 4), 0.5))
    y = torch.tensor([[[3.0, 5.0]]])  # (B, K, 2); None mean -> 0, zero std -> 1
    assert torch.allclose(norm.target(y), torch.tensor([[[1.0, 5.0]]]))
    assert torch.allclose(norm.untarget(norm.target(y)), y)
    off = Normaliser(stats, inputs=False, target=False)
    assert off.target(y) is y


def test_fan_contours_are_searched_from_the_apex_at_the_top():
    import cv2

    from artimap.ultrasound.target import contour_fn

    rng = np.random.default_rng(0)
    frames = []
    for r in (40, 44, 48):  # (64, 128) fans opening downward from (64, 4), a bright arc at r
        img = np.zeros((64, 128), np.uint8)
        cv2.ellipse(img, (64, 4), (58, 58), 0, 35, 145, 50, -1)
        cv2.ellipse(img, (64, 4), (r + 3, r + 3), 0, 45, 135, 220, 5)
        noise = rng.integers(0, 10, img.shape, dtype=np.uint8)
        frames.append(np.where(img > 0, img + noise, 0).astype(np.uint8))
    frames = np.stack(frames)
    pts = contour_fn("fan", frames)(frames)  # (F, L, 2) x, y
    for r, p in zip((40, 44, 48), pts):
        ok = np.isfinite(p).all(1)
        assert ok.sum() > 20
        dist = np.hypot(p[ok, 0] - 64, p[ok, 1] - 4)
        assert abs(np.median(dist) - r) < 3  # the probe-side edge of the bright arc
