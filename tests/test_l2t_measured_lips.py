"""Measured lips as lip2tongue's auxiliary targets: `prepare --lips measured` writes the lip
measurer's per-row array, `aux_lip_source: measured` trains on it, a dataset without it is
refused naming the prepare option, and the config field is checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from artimap.data.lip2tongue.measured_lips import measured_lips
from artimap.data.lip2tongue.truth import talker_truth
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.lips.per_frame import COLUMNS
from artimap.synth.phones import PARAMS
from artimap.tasks.lip2tongue.config import ExperimentConfig
from artimap.tasks.lip2tongue.task import make_task
from artimap.tasks.registry import resolve_config


@pytest.fixture(scope="module")
def measured(talker_tiny, tmp_path_factory) -> Path:
    """The tiny talker corpus prepared like `l2t_prepared`, with measured lips."""
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings

    out = tmp_path_factory.mktemp("l2t_measured") / "prepared"
    prepare(talker_tiny, out, Settings(image_size=32, lips="measured"), workers=1)
    return out


def _cfg(data, **kw) -> ExperimentConfig:
    return ExperimentConfig(data=str(data), tiny=True, clip_len=4, aux_lip_weight=1.0, **kw)


def test_prepare_writes_measured_lips_that_follow_the_true_aperture(measured):
    prepared = Prepared.open(measured, "lip2tongue")
    lips = np.asarray(measured_lips(prepared))
    assert lips.shape == (prepared.n_rows, 4) and lips.dtype == np.float32
    assert prepared.manifest["lips_measured"]["columns"] == list(COLUMNS)
    assert prepared.settings["lips"] == "measured"
    assert all(0 < e.raw["lips_confidence"] <= 1 for e in prepared.entries)
    assert np.isfinite(lips).mean() > 0.95 and (np.nanstd(lips, 0) > 0).all()
    assert (np.nanmin(lips[:, :2], 0) >= 0).all()  # distances in px
    # the cartoon lips are not the measurer's training images: it follows them only roughly
    # (r 0.62 here, 0.59 on the demo corpus); width follows spreading (0.71 here, 0.71 there)
    true = talker_truth(prepared)["lip_state"]
    ok = np.isfinite(lips).all(1)
    r_ap = np.corrcoef(lips[ok, 0], true[ok, PARAMS.index("lip_aperture")])[0, 1]
    r_wd = np.corrcoef(lips[ok, 1], true[ok, PARAMS.index("lip_spreading")])[0, 1]
    assert r_ap > 0.3 and r_wd > 0.3, (r_ap, r_wd)


def test_a_default_prepare_has_no_lips_setting_and_no_array(l2t_prepared):
    prepared = Prepared.open(l2t_prepared, "lip2tongue")
    assert "lips" not in prepared.settings and "lips_measured" not in prepared.manifest["arrays"]


def test_measured_source_without_the_array_names_the_prepare_option(l2t_prepared):
    with pytest.raises(ArtimapError, match=r"--lips measured"):
        make_task(_cfg(l2t_prepared, aux_lip_source="measured"))


def test_measured_lip_targets_are_standardised_on_training_rows(measured):
    task = make_task(_cfg(measured, aux_lip_source="measured"))
    values = task.lip_targets.values.numpy()[task.train_rows()]  # (R, 4)
    np.testing.assert_allclose(np.nanmean(values, 0), 0, atol=1e-4)
    np.testing.assert_allclose(np.nanstd(values, 0), 1, atol=1e-3)
    truth = make_task(_cfg(measured)).lip_targets
    assert truth.source == "truth" and not np.allclose(truth.values, task.lip_targets.values)


def test_measured_aux_lips_train_two_steps_with_pretraining(measured, tmp_path):
    import yaml

    from artimap.tasks import lip2tongue
    from artimap.tasks.registry import train_run

    cfg = _cfg(measured, aux_lip_source="measured", aux_lip_pretrain_steps=2)
    cfg.train.max_steps, cfg.train.epochs, cfg.train.batch_size = 2, 1, 4
    cfg.train.device, cfg.train.progress = "cpu", False
    state = train_run(lip2tongue, cfg, tmp_path / "run")
    assert state.step == 2
    written = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text(encoding="utf-8"))
    assert written["experiment"]["aux_lip_source"] == "measured"  # the run records its source
    ckpt = torch.load(tmp_path / "run" / "best.pt", weights_only=True)
    assert np.isfinite(ckpt["meta"]["lip_pretrain"]["loss_last"])


def test_aux_lip_source_is_checked():
    with pytest.raises(ArtimapError, match=r"aux_lip_source"):
        resolve_config({"task": "lip2tongue"}, ["aux_lip_source=camera"])
    with pytest.raises(ArtimapError, match=r"aux_lip_source: measured .* aux_lip_weight > 0"):
        resolve_config({"task": "lip2tongue"}, ["aux_lip_source=measured"])
    _, cfg = resolve_config({"task": "lip2tongue"}, ["aux_lip_source=measured",
                                                     "aux_lip_weight=0.5"])
    assert cfg.aux_lip_source == "measured" and ExperimentConfig().aux_lip_source == "truth"
