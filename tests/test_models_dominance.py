"""The learnt dominance model (`artimap.models.dominance`): phone runs from frame-wise ids, the
blend equals the talker's own Cohen & Massaro implementation, padding changes nothing, and it
learns a blend it could express."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artimap.errors import ArtimapError
from artimap.models import build_model
from artimap.models.dominance import DominanceConfig, Phone2FaceDominance, build, phone_runs
from artimap.synth.coartic import dominance_blend


def test_phone_runs_by_hand():
    phones = torch.tensor([[1, 1, 2, 2, 2, 3, 0, 0], [4, 4, 4, 4, 5, 5, 5, 5]])
    ids, centre, valid, run = phone_runs(phones, torch.tensor([6, 8]))
    assert ids.shape == centre.shape == valid.shape == run.shape == (2, 8)  # runs r < T
    assert ids[0, :3].tolist() == [1, 2, 3] and centre[0, :3].tolist() == [0.5, 3.0, 5.0]
    assert valid[0].tolist() == [True] * 3 + [False] * 5  # run 3 (the padding) has no frame
    assert run[0].tolist() == [0, 0, 1, 1, 1, 2, 3, 3]
    assert ids[1, :2].tolist() == [4, 5] and centre[1, :2].tolist() == [1.5, 5.5]
    assert valid[1].tolist() == [True] * 2 + [False] * 6


def test_a_padding_frame_with_the_last_phone_does_not_move_its_centre():
    ids, centre, valid, _ = phone_runs(torch.tensor([[2, 3, 3, 3]]), torch.tensor([3]))
    assert centre[0, :2].tolist() == [0.0, 1.5] and valid[0, :2].all()


def _model(**kw) -> Phone2FaceDominance:
    torch.manual_seed(0)
    model = Phone2FaceDominance(DominanceConfig(n_phones=5, n_out=6, dims=3, fps=30.0, **kw))
    with torch.no_grad():
        model.target.normal_(0, 1)
        model.log_a.normal_(0, 1)
        model.log_theta_before.uniform_(1.0, 4.0)
        model.log_theta_after.uniform_(1.0, 4.0)
    return model.eval()


@pytest.mark.parametrize("exponent", [1.0, 1.5])
def test_state_is_the_talkers_dominance_blend(exponent):
    model = _model(exponent=exponent)
    phones = torch.tensor([[0, 0, 0, 3, 3, 1, 1, 1, 1, 4, 2, 2, 0, 0]])
    ids, centre, valid, _ = phone_runs(phones)
    i = ids[0, valid[0]].numpy()  # 6 runs, all within the model's reach of every frame
    with torch.no_grad():
        got = model.state(phones)[0].numpy()  # (T, dims)
        want = dominance_blend(
            np.arange(phones.shape[1]) / 30.0, centre[0, valid[0]].numpy() / 30.0,
            model.target[i].numpy(), model.log_a[i].exp().numpy(),
            model.log_theta_before[i].exp().numpy(), model.log_theta_after[i].exp().numpy(),
            k=exponent)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_tokens_beyond_the_reach_do_not_pull():
    model = _model(reach=2)
    phones = torch.tensor([[0, 1, 2, 3, 4, 0, 1, 2]])  # one frame per run
    other = phones.clone()
    other[0, 3] = 0  # another phone for the token 3 runs after frame 0 (no run merges)
    with torch.no_grad():
        a, b = model.state(phones), model.state(other)
    assert torch.equal(a[0, 0], b[0, 0])  # out of frame 0's reach of 2 runs
    assert not torch.allclose(a[0, 1], b[0, 1])  # 2 runs from frame 1: within


def test_an_hour_of_phones_runs_in_one_pass():
    model = _model()
    phones = torch.randint(0, 5, (1, 3600 * 60 // 6)).repeat_interleave(6, dim=1)  # 60 fps
    with torch.no_grad():
        y = model(phones)  # (1, 216000, 6): memory grows with T x (2 reach + 1), not T^2
    assert y.shape == (1, 216_000, 6) and torch.isfinite(y).all()


def test_padding_changes_no_valid_frame():
    model = _model()
    a, b = torch.tensor([1, 1, 2, 3, 3, 3, 4]), torch.tensor([2, 2, 0, 0])
    batch = torch.stack([a, torch.cat([b, torch.tensor([0, 0, 0])])])
    with torch.no_grad():
        together = model(batch, torch.tensor([7, 4]))
        alone = model(b[None], torch.tensor([4]))
        first = model(a[None])
    assert torch.allclose(together[1, :4], alone[0], atol=1e-6)
    assert torch.allclose(together[0], first[0], atol=1e-6)


def test_it_learns_a_blend_it_can_express():
    """Targets drawn from a random dominance model: a fresh one fits them far below their
    spread in a few hundred steps (a check that the parameters reach what they encode)."""
    truth = _model(decoder_hidden=0)
    g = torch.Generator().manual_seed(1)
    phones = torch.randint(0, 5, (8, 40), generator=g).repeat_interleave(2, dim=1)  # (8, 80)
    with torch.no_grad():
        y = truth(phones)
    model = build_model("phone2face_dominance", {"n_phones": 5, "n_out": 6, "dims": 3,
                                                 "decoder_hidden": 0, "fps": 30.0})
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = (model(phones) - y).pow(2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 0.02 * y.var().item()


def test_bad_settings_are_errors():
    with pytest.raises(ArtimapError, match=r"model_config.fps: must be > 0"):
        Phone2FaceDominance(DominanceConfig(fps=0.0))
    with pytest.raises(ArtimapError, match=r"model_config.dims: must be >= 1"):
        Phone2FaceDominance(DominanceConfig(dims=0))
    with pytest.raises(ArtimapError, match="model_config.reach"):
        Phone2FaceDominance(DominanceConfig(reach=0))
    with pytest.raises(ArtimapError, match="rate: must be a finite number"):
        build({"rate": float("nan")})


def test_bench_reports_both_models_and_the_long_pass():
    from argparse import Namespace

    from artimap.bench.p2f_dominance import bench_p2f_dominance

    out = bench_p2f_dominance(Namespace(quick=True))
    assert out["bigru_64"]["time_vs_bigru_64"] == 1.0
    assert all(out[m]["x_real_time"] > 0 for m in ("dominance", "bigru_64", "bigru_128"))
    assert out["long"]["frames"] == 3600 and out["long"]["wall_s"] > 0
