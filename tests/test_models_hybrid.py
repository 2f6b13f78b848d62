"""The phone2face hybrid (`artimap.models.hybrid`): it starts as its dominance model, its
correction sees the phones, their timing and the blend, padding changes nothing, and a
task run trains and evaluates it."""

from __future__ import annotations

import pytest
import torch

from artimap.errors import ArtimapError
from artimap.models.dominance import Phone2FaceDominance
from artimap.models.hybrid import HybridConfig, Phone2FaceHybrid, build

SMALL = {"n_phones": 5, "n_out": 6, "dims": 3, "decoder_hidden": 4, "hidden": 8, "layers": 1,
         "fps": 30.0}


def _phones(seed: int = 0, shape=(3, 20)) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 5, shape, generator=g).repeat_interleave(2, dim=1)  # (B, 2 T)


def test_an_untrained_hybrid_is_its_dominance_model():
    torch.manual_seed(0)
    model = build(SMALL)
    alone = Phone2FaceDominance(model.config.dominance())
    alone.load_state_dict(model.blend.state_dict())
    phones = _phones()
    with torch.no_grad():
        assert torch.allclose(model(phones), alone(phones), atol=1e-6)


def test_the_correction_depends_on_the_phones_timing():
    """Two sequences with the same phone order but other durations: the correction (the
    hybrid's output minus its dominance part's) is not zero once its layer is, and changes."""
    torch.manual_seed(0)
    model = build(SMALL)
    alone = Phone2FaceDominance(model.config.dominance())
    alone.load_state_dict(model.blend.state_dict())
    with torch.no_grad():
        model.correction.weight.normal_(0, 0.5)
        a, b = torch.tensor([[1, 1, 2, 2, 3, 3, 3, 3]]), torch.tensor([[1, 1, 1, 1, 2, 2, 3, 3]])
        short, long = model(a) - alone(a), model(b) - alone(b)
    assert short.abs().max() > 1e-3 and (short - long).abs().max() > 1e-3


def test_padding_changes_nothing():
    torch.manual_seed(0)
    model = build(SMALL)
    with torch.no_grad():
        model.correction.weight.normal_(0, 0.5)
        a = _phones(1, (1, 12))  # (1, 24)
        padded = torch.cat([a, torch.zeros(1, 10, dtype=torch.long)], dim=1)
        alone = model(a, torch.tensor([24]))
        both = model(padded, torch.tensor([24]))
    assert torch.allclose(both[:, :24], alone, atol=1e-5)


def test_bad_settings_name_the_key():
    with pytest.raises(ArtimapError, match="model_config.hidden"):
        HybridConfig(hidden=0)
    with pytest.raises(ArtimapError, match="model_config.reach"):
        HybridConfig(reach=0)


def test_a_task_run_trains_and_evaluates(p2f_prepared, tmp_path):
    from pathlib import Path

    from artimap.models import load_model
    from artimap.tasks.registry import load_config_file, train_run

    config = Path(__file__).resolve().parents[1] / "configs/phone2face/hybrid/hybrid.yaml"
    module, cfg = load_config_file(config, [f"data={p2f_prepared}", "train.progress=false",
                                            "train.max_steps=2", "train.epochs=1"])
    run = tmp_path / "run"
    train_run(module, cfg, run)
    metrics = module.evaluate_run(run, "test")
    model, _ = load_model(run / "best.pt")
    assert isinstance(model, Phone2FaceHybrid)
    assert metrics["metrics"]["rmse_mm"]["mean"] > 0
