"""`artimap train --init-from RUN_DIR [--freeze GROUP]`: fine-tuning from a trained run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from conftest import smoke_config
from test_tasks_l2t import command

from artimap.errors import ArtimapError
from artimap.models import load_model
from artimap.tasks.init_from import InitFromTask
from artimap.tasks.registry import best_checkpoint, resolve_config, train_run


def test_init_from_reproduces_the_source_predictions(l2t_run, l2t_prepared):
    """Before any step, the new run's model and normalisation give the source's outputs."""
    from torch.utils.data import default_collate

    source, meta = load_model(best_checkpoint(l2t_run))
    module, cfg = smoke_config(l2t_prepared, "train.seed=5")  # other initial weights
    task = InitFromTask(module.make_task(cfg), best_checkpoint(l2t_run))
    model = task.build_model().eval()
    train, _ = task.datasets()
    batch = default_collate([train[i] for i in range(3)])
    fresh = module.make_task(cfg)
    from artimap.tasks.lip2tongue.normalise import Normaliser

    src_norm = Normaliser(meta["normalisation"], meta["normalise_inputs"],
                          meta["normalise_target"])
    with torch.no_grad():
        raw = source(*src_norm.inputs(batch["frames"], batch["flow"]))  # standardised
        got = task.norm.untarget(model(*task.norm.inputs(batch["frames"], batch["flow"])))
        other = fresh.build_model().eval()(*fresh.norm.inputs(batch["frames"], batch["flow"]))
    np.testing.assert_allclose(got.numpy(), src_norm.untarget(raw).numpy(), atol=1e-6)
    assert (other - raw).abs().max() > 1e-4  # a fresh model would not pass


def test_mismatched_shapes_name_every_parameter(l2t_run, l2t_prepared):
    module, cfg = smoke_config(l2t_prepared, "model_config.lstm_hidden=12")
    task = InitFromTask(module.make_task(cfg), best_checkpoint(l2t_run))
    with pytest.raises(ArtimapError) as e:
        task.build_model()
    text = str(e.value)
    for name in ("lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0"):
        assert f"{name}: source" in text
    assert "weights do not fit" in text and "frame_tower" not in text


def test_freeze_towers_keeps_them_bit_identical(l2t_run, l2t_prepared, tmp_path):
    module, cfg = smoke_config(l2t_prepared, "train.max_steps=3", "train.lr=0.01")
    out = tmp_path / "tuned"
    train_run(module, cfg, out, init_from=l2t_run, freeze="towers")
    before = torch.load(l2t_run / "best.pt", weights_only=True)["model"]["state_dict"]
    after = torch.load(out / "last.pt", weights_only=True)["model"]["state_dict"]
    towers = [k for k in before if k.startswith(("frame_tower.", "flow_tower."))
              and "running" not in k and "num_batches" not in k]
    assert towers
    for k in towers:
        assert torch.equal(before[k], after[k]), k
    assert not torch.equal(before["lstm.weight_ih_l0"], after["lstm.weight_ih_l0"])
    record = yaml.safe_load((out / "config.yaml").read_text())["init_from"]
    assert record["run"] == str(l2t_run.resolve()) and record["freeze"] == "towers"


def test_resume_with_init_from_is_an_error(l2t_run, l2t_prepared, tmp_path):
    argv = [str(l2t_run.parent.parent / "x.yaml"), "--out", str(tmp_path / "r"), "--resume",
            "--init-from", str(l2t_run)]
    (l2t_run.parent.parent / "x.yaml").write_text(
        yaml.safe_dump({"task": "lip2tongue", "tiny": True, "data": str(l2t_prepared)}))
    with pytest.raises(ArtimapError, match="cannot be combined with --resume"):
        command("train", argv)
    with pytest.raises(ArtimapError, match="needs --init-from"):
        command("train", argv[:3] + ["--freeze", "towers"])


def test_phone2face_freeze_encoder(p2f_prepared, tmp_path):
    smoke = {"task": "phone2face", "data": str(p2f_prepared), "decoder": "pca", "latent_dim": 4,
             "model_config": {"hidden": 8}, "basis_max_frames": 2000,
             "train": {"max_steps": 2, "epochs": 1, "device": "cpu", "progress": False}}
    module, cfg = resolve_config(smoke)
    train_run(module, cfg, tmp_path / "a")
    module, cfg = resolve_config(smoke, ["train.lr=0.05", "train.seed=3"])
    train_run(module, cfg, tmp_path / "b", init_from=tmp_path / "a", freeze="encoder")
    a = torch.load(tmp_path / "a" / "best.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    wa, wb = a["model"]["state_dict"], b["model"]["state_dict"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa if k.startswith("gru."))
    assert not torch.equal(wa["to_latent.weight"], wb["to_latent.weight"])
    for key in ("target_mean", "target_scale"):  # the source's statistics, kept
        assert torch.equal(a["meta"][key], b["meta"][key])
    with pytest.raises(ArtimapError, match="--freeze towers: unknown for this task"):
        train_run(module, cfg, tmp_path / "c", init_from=tmp_path / "a", freeze="towers")


def test_init_from_skips_the_wrapped_tasks_warm_up(l2t_run, l2t_prepared):
    """A task's `start` (e.g. lip pretraining) would overwrite the source weights: not run."""
    module, cfg = smoke_config(l2t_prepared)
    inner = module.make_task(cfg)
    inner.start = lambda model: pytest.fail("the wrapped task's warm-up ran")
    task = InitFromTask(inner, best_checkpoint(l2t_run))
    model = task.build_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    task.start(model)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_phone2face_fine_tuning_recentres_on_the_new_speakers_mean_face(p2f_prepared, tmp_path):
    """A new speaker's face sits elsewhere: the fine-tuned run starts from the source model's
    deviations around the NEW data's mean face, not the source speaker's."""
    import json
    import shutil

    smoke = {"task": "phone2face", "data": str(p2f_prepared), "decoder": "dense",
             "model_config": {"hidden": 8},
             "train": {"max_steps": 2, "epochs": 1, "device": "cpu", "progress": False}}
    module, cfg = resolve_config(smoke)
    train_run(module, cfg, tmp_path / "a")
    moved = tmp_path / "speaker_b"  # the same utterances, the face 5 mm further along x
    shutil.copytree(p2f_prepared, moved)
    markers = np.load(moved / "markers.npy")
    markers[..., 0] += 5.0
    np.save(moved / "markers.npy", markers)
    stats = json.loads((moved / "stats.json").read_text())
    stats["mean"] = [m + 5.0 if i % 3 == 0 else m for i, m in enumerate(stats["mean"])]
    (moved / "stats.json").write_text(json.dumps(stats))
    module, cfg = resolve_config({**smoke, "data": str(moved)})
    task = InitFromTask(module.make_task(cfg), best_checkpoint(tmp_path / "a"))
    source = module.make_task(resolve_config(smoke)[1])
    shift = (task.mean - source.mean).reshape(-1, 3)
    np.testing.assert_allclose(shift[:, 0].numpy(), 5.0, atol=1e-4)
    np.testing.assert_allclose(shift[:, 1:].numpy(), 0.0, atol=1e-4)
    assert torch.equal(task.scale, torch.as_tensor(source.scale))  # the source's scale, kept
