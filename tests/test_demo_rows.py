"""The demo's rows come from config files only (configs/*/demo_*), and resolve to the same run
configs as the Python dicts the demo used before (copied below once from
artimap/tasks/*/demo.py at commit 5e43ed1: ROWS, FULL, run_config, write_experiment), so the
demo's tables stay the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from artimap.config import to_dict
from artimap.errors import ArtimapError
from artimap.experiment import plan, shipped
from artimap.models import check_config
from artimap.tasks.audio2tongue import demo as a2t_demo
from artimap.tasks.lip2tongue import demo as l2t_demo
from artimap.tasks.phone2face import demo as p2f_demo
from artimap.tasks.registry import resolve_config

_P2F_TRAIN = {"epochs": 60, "max_steps": 0, "device": "cpu", "progress": False}
_P2F_COMMON = {"task": "phone2face", "decoder": "dense", "init": "injected", "latent_dim": 13,
               "ae_epochs": 100, "basis_max_frames": 100000}
P2F_BEFORE = {  # run_config(prepared, name, decoder, FULL, model, train) for the four ROWS
    "baseline": {**_P2F_COMMON, "model_config": {"hidden": 64, "timing": False},
                 "train": _P2F_TRAIN},
    "pca_injected": {**_P2F_COMMON, "decoder": "pca",
                     "model_config": {"hidden": 64, "timing": False}, "train": _P2F_TRAIN},
    "pca_injected_timing": {**_P2F_COMMON, "decoder": "pca",
                            "model_config": {"timing": True, "hidden": 64},
                            "train": {**_P2F_TRAIN, "lr": 0.02}},
    "dominance": {**_P2F_COMMON, "model": "phone2face_dominance", "model_config": {},
                  "train": {**_P2F_TRAIN, "epochs": 200, "lr": 0.05}},
}
_L2T_TRAIN = {"lr": 0.001, "epochs": 2}
L2T_BEFORE = {  # the row files write_experiment(folder, quick=False) wrote
    "convlstm": {"model": "lip2tongue_convlstm", "model_config": {"use_attention": False},
                 "train": _L2T_TRAIN},
    "ts_cnn_lstm_att": {"model": "lip2tongue_ts_cnn_lstm",
                        "model_config": {"use_flow": True, "use_attention": True,
                                         "feat_dim": 128, "lstm_hidden": 128},
                        "train": _L2T_TRAIN},
    "ts_cnn_lstm_att_eigen_auxlip_talker": {
        "model": "lip2tongue_ts_cnn_lstm",
        "model_config": {"use_flow": True, "use_attention": True, "feat_dim": 8,
                         "lstm_hidden": 32, "fc_dims": [64, 32], "conv_dropout": 0.1,
                         "fc_dropout": 0.1, "lip_quadratic": 4},
        "eigentongue_k": 32, "loss_blur_sigma": 3.0, "readout": "ridge",
        "train": {"lr": 0.003, "epochs": 6, "weight_decay": 0.0001, "patience": 3},
        "aux_lip_weight": 1.0, "aux_lip_pretrain_steps": 800},
}
L2T_SCALE = [  # its experiment file's scale (FULL + COMMON)
    "model_scale.lip2tongue_ts_cnn_lstm.tower_channels=[16,32,64]",
    "model_scale.lip2tongue_ts_cnn_lstm.tower_downsample=stride",
    "model_scale.lip2tongue_convlstm.hidden=[8,8,4]", "stride=2", "max_val_clips=300",
    "eval.max_frames=300", "train.device=cpu", "train.progress=false"]


def typed(cfg: Any) -> dict[str, Any]:
    """The resolved config as plain values, model_config through the model's typed config (an
    explicit default such as timing: false equals an absent key)."""
    out = to_dict(cfg)
    out["model_config"] = to_dict(check_config(cfg.model, cfg.model_config))
    return out


def demo_rows(task_demo, tmp_path: Path, data: Path, smoke: bool = False) -> dict[str, Any]:
    _, _, specs = plan(shipped(task_demo.EXPERIMENT), tmp_path, seeds=1, smoke=smoke,
                       data=str(data))
    return {s.name: s.config for s in specs}


def test_phone2face_demo_rows_resolve_as_before(tmp_path):
    data = (tmp_path / "prepared").resolve()
    now = demo_rows(p2f_demo, tmp_path, data)
    assert list(now) == list(P2F_BEFORE)
    for name, row in P2F_BEFORE.items():
        _, before = resolve_config({**row, "name": name, "data": str(data)})
        assert typed(now[name]) == typed(before), name


def test_lip2tongue_demo_rows_resolve_as_before(tmp_path):
    data = (tmp_path / "prepared").resolve()
    now = demo_rows(l2t_demo, tmp_path, data)
    assert list(now) == list(L2T_BEFORE)
    for name, row in L2T_BEFORE.items():
        _, before = resolve_config({"task": "lip2tongue", "name": name, **row},
                                   [*L2T_SCALE, f"name={name}", "train.seed=0", f"data={data}"])
        assert typed(now[name]) == typed(before), name


def test_quick_mode_is_the_experiments_smoke(tmp_path):
    rows = demo_rows(l2t_demo, tmp_path, tmp_path)
    quick = demo_rows(l2t_demo, tmp_path, tmp_path, smoke=True)
    assert all(c.tiny and c.train.max_steps == 2 for c in quick.values())
    talker = "ts_cnn_lstm_att_eigen_auxlip_talker"
    assert (rows[talker].aux_lip_pretrain_steps, quick[talker].aux_lip_pretrain_steps) == (800, 2)
    p2f = demo_rows(p2f_demo, tmp_path, tmp_path, smoke=True)
    assert all(c.train.max_steps == 2 for c in p2f.values())


def test_the_demo_holds_no_python_copy_of_its_rows():
    for module in (l2t_demo, p2f_demo, a2t_demo):
        assert not {"ROWS", "FULL", "QUICK", "IMPROVED"} & set(vars(module))


def test_shipped_configs_are_found_or_the_error_says_how(tmp_path, monkeypatch):
    assert shipped(p2f_demo.EXPERIMENT).is_file()
    monkeypatch.setenv("ARTIMAP_CONFIGS", str(tmp_path))
    with pytest.raises(ArtimapError, match="ARTIMAP_CONFIGS"):
        shipped(p2f_demo.EXPERIMENT)
