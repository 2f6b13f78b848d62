"""lip2tongue targets: per-pixel mean-image normalisation, zero-initialised output layers (an
untrained model predicts the training mean) and per-model `model_scale` overrides."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import smoke_config

from artimap.errors import ArtimapError
from artimap.tasks.lip2tongue.task import Normaliser, make_task


def _train_mean_image(data) -> np.ndarray:
    manifest = json.loads((data / "manifest.json").read_text())
    train = set(json.loads((data / "split.json").read_text())["train"])
    targets = np.load(data / "targets.npy")
    rows = [targets[u["offset"]:u["offset"] + u["n_frames"]] for u in manifest["utterances"]
            if u["id"] in train]
    return np.concatenate(rows).astype(np.float64).mean(0) / 255.0  # (H_t, W_t) in [0, 1]


def test_image_targets_lose_the_training_mean_image_pixel_by_pixel(l2t_prepared):
    _, cfg = smoke_config(l2t_prepared)
    task = make_task(cfg)
    image = np.asarray(task.stats["target"]["mean_image"])
    assert image.shape == (128, 64)
    assert np.allclose(image, _train_mean_image(l2t_prepared), atol=1e-5)
    y = torch.rand(3, 128, 64)
    z = task.norm.target(y)
    std = task.stats["target"]["std"]
    assert torch.allclose(z, (y - torch.from_numpy(image).float()) / std, atol=1e-5)
    assert torch.allclose(task.norm.untarget(z), y, atol=1e-5)
    # the statistics travel in the checkpoint meta: a Normaliser rebuilt from them agrees
    again = Normaliser(task.meta()["normalisation"])
    assert torch.allclose(again.target(y), z, atol=1e-6)

    _, scalar = smoke_config(l2t_prepared, "target_norm=scalar")
    plain = make_task(scalar)
    assert "mean_image" not in plain.stats["target"]
    mean = plain.stats["target"]["mean"]
    assert torch.allclose(plain.norm.target(y), (y - mean) / std, atol=1e-5)


def _untrained(task, batch) -> torch.Tensor:
    model = task.build_model().eval()
    with torch.no_grad():
        return task.norm.untarget(model(*task.norm.inputs(batch["frames"], batch["flow"])))


def test_an_untrained_model_predicts_the_training_mean_image(l2t_prepared):
    mean = torch.from_numpy(_train_mean_image(l2t_prepared)).float()
    for model in ("lip2tongue_ts_cnn_lstm", "lip2tongue_convlstm"):
        _, cfg = smoke_config(l2t_prepared, f"model={model}")
        task = make_task(cfg)
        train, _ = task.datasets()
        batch = torch.utils.data.default_collate([train[0], train[1]])
        pred = _untrained(task, batch)  # (2, H_t, W_t)
        assert torch.allclose(pred, mean.expand_as(pred), atol=1e-5)
        _, rand = smoke_config(l2t_prepared, f"model={model}", "zero_output=false")
        pred = _untrained(make_task(rand), batch)
        assert not torch.allclose(pred, mean.expand_as(pred), atol=1e-3)


def test_model_scale_applies_to_the_rows_of_its_model_only(l2t_prepared):
    sets = ["tiny=false", "model_scale.lip2tongue_ts_cnn_lstm.tower_channels=[4,8]",
            "model_scale.lip2tongue_ts_cnn_lstm.feat_dim=8",
            "model_scale.lip2tongue_convlstm.hidden=[2,2]"]
    _, ts = smoke_config(l2t_prepared, *sets)
    _, conv = smoke_config(l2t_prepared, *sets, "model=lip2tongue_convlstm")
    assert make_task(ts).model_config["tower_channels"] == [4, 8]
    assert make_task(ts).model_config["feat_dim"] == 8
    assert make_task(conv).model_config["hidden"] == [2, 2]
    assert "tower_channels" not in make_task(conv).model_config
    with pytest.raises(ArtimapError, match="unknown model 'lip2tongue_tscnn'"):  # at once
        smoke_config(l2t_prepared, "model_scale.lip2tongue_tscnn.feat_dim=8")
    _, clash = smoke_config(l2t_prepared, "model_scale.lip2tongue_ts_cnn_lstm.in_size=64")
    with pytest.raises(ArtimapError, match="in_size"):
        make_task(clash)
