"""phone2face task: every configuration builds, trains a step and keeps its decoder basis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from artimap.config import read_yaml
from artimap.errors import ArtimapError
from artimap.tasks.phone2face.bases import bases_table, choose_keyshapes, phone_groups, split_frames
from artimap.tasks.registry import load_config_file

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "phone2face"
ROWS = [r["config"] for r in read_yaml(CONFIGS / "paper.yaml")["runs"]]
SMOKE = read_yaml(CONFIGS / "paper.yaml")["smoke"]



def smoke_task(prepared: Path, row: str, *sets: str):
    module, cfg = load_config_file(CONFIGS / row, [*SMOKE, f"data={prepared}", *sets])
    return module.make_task(cfg)


def test_paper_lists_the_seven_configurations_with_ten_seeds():
    exp = read_yaml(CONFIGS / "paper.yaml")
    assert exp["seeds"] == 10 and len(ROWS) == 7
    experiments = {p.name for p in CONFIGS.glob("*.yaml") if "runs" in read_yaml(p)}
    assert experiments == {"paper.yaml", "talker_cpu.yaml", "claims.yaml"}
    assert {p.name for p in CONFIGS.glob("*.yaml")} - experiments - {"window.yaml"} == set(ROWS)
    cpu = read_yaml(CONFIGS / "talker_cpu.yaml")  # the same study at a CPU scale
    assert [r["config"] for r in cpu["runs"]] == ROWS and cpu["seeds"] == 10
    claims = read_yaml(CONFIGS / "claims.yaml")  # the claims at 20 000 steps: four rows
    assert {r["config"] for r in claims["runs"]} <= set(ROWS)
    assert "train.max_steps=20000" in claims["scale"]


@pytest.mark.parametrize("row", [*ROWS, "window.yaml"])
def test_every_configuration_steps_forward_and_backward(p2f_prepared, row):
    task = smoke_task(p2f_prepared, row)
    model = task.build_model()
    train, val = task.datasets()
    assert len(train) == 2 and val is not None and len(val) == 1
    batch = task.collate([train[0], train[1]])
    loss, extras = task.loss(model, batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert extras["loss_sum"] == pytest.approx(loss.item() * 132, rel=1e-5)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    cfg, meta = task.cfg, task.meta()
    assert model.config.n_out == 132 and model.config.n_phones == len(meta["phones"]["phones"])
    if cfg.decoder == "dense":
        assert getattr(model.config, "decoder", "dense") == "dense" and meta["basis"] is None
        return
    assert model.config.latent_dim == cfg.latent_dim == 4
    ae = cfg.decoder == "autoencoder"
    assert model.config.latent_activation == ("sigmoid" if ae else "none")
    assert tuple(model.config.decoder_hidden) == ((64, 64) if ae else ())
    last = [m for m in model.decoder if isinstance(m, torch.nn.Linear)][-1]
    if cfg.init == "injected":  # the decoder starts as the basis fitted on the train split
        state = meta["basis"]
        weight = state["decoder"][f"{len(model.decoder) - 1}.weight"] if ae else state["weight"]
        assert torch.allclose(last.weight.detach(), weight.float(), atol=1e-5)
        assert set(meta["basis_rmse_mm"]) == {"train", "test"}
        assert 0 < meta["basis_rmse_mm"]["test"] < 5
    else:
        assert meta["basis"] is None and meta["basis_rmse_mm"] == {}


def test_loss_ignores_padding_and_missing_values(p2f_prepared):
    task = smoke_task(p2f_prepared, "baseline.yaml")
    model = task.build_model().eval()
    train, _ = task.datasets()
    batch = task.collate([train[0], train[1]])
    with torch.no_grad():
        loss, _ = task.loss(model, batch)
        spoiled = dict(batch, markers=torch.where(batch["mask"], batch["markers"], 1e6))
        assert (~batch["mask"]).any()  # padding at least (two lengths)
        assert task.loss(model, spoiled)[0].item() == pytest.approx(loss.item(), rel=1e-6)


def test_meta_holds_what_evaluate_and_predict_need(p2f_prepared):
    meta = smoke_task(p2f_prepared, "pca_injected.yaml").meta()
    assert meta["rate"] == 120.0 and len(meta["markers"]) == 44
    assert meta["upper_lip_centre"] == "lip_upper_c" and len(meta["lip_markers"]) == 12
    assert meta["normalise"] == "centre" and meta["target_mean"].shape == (132,)
    assert np.all(np.asarray(meta["target_scale"]) == 1.0)
    assert meta["phones"]["silence"] == "sil" and meta["decoder"] == "pca"
    assert meta["basis"]["kind"] == "pca" and meta["basis"]["weight"].shape == (132, 4)


def test_unknown_decoder_and_task_are_errors(p2f_prepared):
    with pytest.raises(ArtimapError, match="decoder"):
        smoke_task(p2f_prepared, "baseline.yaml", "decoder=nmf")
    with pytest.raises(ArtimapError, match="no latent decoder"):
        smoke_task(p2f_prepared, "window.yaml", "decoder=pca")
    with pytest.raises(ArtimapError, match="not a phone2face model"):
        smoke_task(p2f_prepared, "baseline.yaml", "model=lip2tongue_convlstm")
    with pytest.raises(ArtimapError, match="no split|manifest|not found"):
        smoke_task(p2f_prepared.parent / "missing", "baseline.yaml")


def test_keyshapes_are_viseme_class_means_then_phones(p2f_prepared):
    frames = split_frames(p2f_prepared, "train")
    phones, groups, neutral = phone_groups(p2f_prepared, {})
    assert neutral == "silence" and groups[phones.index("p")] == "bilabial"
    keys, rest, names = choose_keyshapes(frames, phones, groups, neutral, 3)
    assert keys.shape == (3, 132) and rest.shape == (132,) and len(names) == 3
    sel = np.asarray(groups)[frames.phone_ids] == names[0]
    assert np.allclose(keys[0], frames.X[sel & frames.central].mean(axis=0))
    n_classes = len(set(np.asarray(groups)[frames.phone_ids[frames.central]])) - 1
    _, _, names = choose_keyshapes(frames, phones, groups, neutral, n_classes + 1)
    assert set(names) <= set(phones)  # more keyshapes than classes: one per phone
    with pytest.raises(ArtimapError, match="lower latent_dim"):
        choose_keyshapes(frames, phones, groups, neutral, 60)


def test_bases_table_reports_test_reconstruction_error(p2f_prepared):
    table = bases_table(p2f_prepared, k=4, settings={"epochs": 3})
    assert table["n_test_frames"] > 0 and 0 < table["pca_explained_variance"] <= 1
    for kind in ("pca", "blendshape", "autoencoder"):
        assert 0 < table[f"{kind}_rmse_mm"] < 5
    assert table["pca_rmse_mm"] < table["blendshape_rmse_mm"]


def test_bench_inference_speed_reports_x_realtime(monkeypatch):
    import artimap.bench.phone2face as bench

    calls = {"build": 0, "export": 0}

    def counted(name, fn):
        def wrapper(*a, **k):
            calls[name] += 1
            return fn(*a, **k)
        return wrapper

    monkeypatch.setattr(bench, "build", counted("build", bench.build))
    monkeypatch.setattr(bench, "model_parts", counted("export", bench.model_parts))
    res = bench.inference_speed(quick=True)
    assert calls == {"build": 1, "export": 1}  # every path times the same model and graph
    assert res["threads"] == 1 and res["goal_x_realtime_cpu"] == 1000.0
    assert res["cpu"]["x_realtime_single"] > 1 and res["cpu"]["x_realtime_batched"] > 1
    assert res["cpu"]["x_realtime_single_chunked"] > 1
    paths = {k: v for k, v in res["exact_paths"].items() if isinstance(v, dict)}
    assert set(paths) == {"torch_nn_gru", "torch_no_mkldnn", "torchscript_cell",
                          "onnxruntime_gru"}
    assert all(v["max_abs_diff"] < 1e-4 and v["x_realtime_cpu"] > 1 for v in paths.values())
    assert res["onnx_profile"]["GRU"] > 0.5  # the recurrence is where the time goes
    exact = max(v["x_realtime_cpu"] for v in paths.values())
    assert res["meets_goal_cpu_exact"] == (exact >= 1000)
    assert res["meets_goal_cpu"] == (max(res["cpu"]["x_realtime_single"],
                                         res["cpu"]["x_realtime_single_chunked"],
                                         res["cpu"]["x_realtime_batched"], exact) >= 1000)


def test_the_dominance_model_takes_the_data_rate_and_trains(p2f_prepared):
    module, cfg = load_config_file(CONFIGS / "dominance" / "dominance.yaml",
                                   [f"data={p2f_prepared}", "train.max_steps=1"])
    task = module.make_task(cfg)
    model = task.build_model()
    assert model.config.fps == task.meta()["rate"] == 120.0  # token centres in seconds
    assert model.config.n_phones == len(task.meta()["phones"]["phones"])
    train, _ = task.datasets()
    loss, _ = task.loss(model, task.collate([train[0], train[1]]))
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in model.parameters())
    with pytest.raises(ArtimapError, match="no latent decoder"):  # refused when read
        load_config_file(CONFIGS / "dominance" / "dominance.yaml",
                         [f"data={p2f_prepared}", "decoder=pca"])
