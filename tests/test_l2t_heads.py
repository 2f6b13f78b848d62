"""lip2tongue training options: the eigentongue head, the blurred loss, lip supervision."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artimap.tasks.lip2tongue import metrics as declared
from artimap.tasks.lip2tongue.config import ExperimentConfig
from artimap.tasks.lip2tongue.heads import fit_target_pca, gaussian_blur
from artimap.tasks.lip2tongue.task import make_task


def _cfg(data, **kw) -> ExperimentConfig:
    return ExperimentConfig(data=str(data), tiny=True, clip_len=4, **kw)


def test_injected_eigentongue_decoder_is_the_pca_reconstruction(l2t_prepared):
    task = make_task(_cfg(l2t_prepared, eigentongue_k=3))
    model = task.build_model().eval()
    assert task.model_config["fc_dims"][-1] == 3
    rows = task.train_rows()
    basis = fit_target_pca(task.prepared, rows, task.norm, 3)
    # independent PCA of the same standardised targets
    y = np.load(l2t_prepared / "targets.npy")[np.sort(rows)].astype(np.float32) / 255.0
    z = task.norm.target(torch.from_numpy(y)).reshape(len(y), -1).double().numpy()
    mean = z.mean(0)
    _, _, vt = np.linalg.svd(z - mean, full_matrices=False)
    recon = (z - mean) @ vt[:3].T @ vt[:3] + mean  # (R, D) the PCA reconstruction
    weight = model.head.out.weight.detach().double().numpy()  # (D, 3): the injected basis
    codes = (z - mean) @ weight  # (R, 3) each frame's code in the model's own basis
    with torch.no_grad():
        out = model.head.out(torch.from_numpy(codes).float()).double().numpy()
    np.testing.assert_allclose(out, recon, atol=1e-3)  # signs of components may differ
    assert np.allclose(np.abs(basis.weight), np.abs(vt[:3].T), atol=1e-4)


def test_random_eigentongue_init_and_a_frozen_basis(l2t_prepared):
    random = make_task(_cfg(l2t_prepared, eigentongue_k=3, eigentongue_init="random"))
    head = random.build_model().head
    assert head.out.in_features == 3 and float(head.out.weight.detach().abs().sum()) == 0
    frozen = make_task(_cfg(l2t_prepared, eigentongue_k=3, freeze_decoder=True))
    out = frozen.build_model().head.out
    assert not out.weight.requires_grad and float(out.weight.abs().sum()) > 0


def test_torch_blur_matches_the_metric_blur():
    x = np.random.default_rng(0).uniform(0, 1, size=(2, 40, 20))
    got = gaussian_blur(torch.from_numpy(x), 3.0).numpy()
    np.testing.assert_allclose(got, declared.blur(x, 3.0), atol=1e-10)


@pytest.mark.parametrize("options", [{"loss_blur_sigma": 2.0}, {"aux_lip_weight": 1.0}])
def test_blurred_and_lip_supervised_losses_train(l2t_prepared, options):
    task = make_task(_cfg(l2t_prepared, **options))
    model = task.build_model()
    train, _ = task.datasets()
    batch = torch.utils.data.default_collate([train[0], train[5]])
    loss, extras = task.loss(model, batch)
    loss.backward()
    assert torch.isfinite(loss) and loss > 0
    assert ("aux_lip" in extras) == ("aux_lip_weight" in options)
    # the zero output layer learns first; the lip truth reaches the frame tower at once
    first = (next(model.frame_tower.parameters()) if "aux_lip_weight" in options
             else model.head.out.weight)
    assert first.grad is not None and float(first.grad.abs().sum()) > 0


def test_ridge_readout_refits_the_output_layer_of_best_pt(l2t_prepared, tmp_path):
    from artimap.checkpoint import read_checkpoint
    from artimap.tasks import lip2tongue
    from artimap.tasks.lip2tongue.config import EvalConfig
    from artimap.tasks.registry import train_run

    cfg = _cfg(l2t_prepared, readout="ridge", eigentongue_k=4, eval=EvalConfig(max_frames=8))
    cfg.train.max_steps, cfg.train.epochs, cfg.train.batch_size = 2, 1, 4
    cfg.train.device, cfg.train.progress = "cpu", False
    train_run(lip2tongue, cfg, tmp_path / "run")
    ckpt = read_checkpoint(tmp_path / "run" / "best.pt")
    record = ckpt["meta"]["readout"]
    assert record["kind"] == "ridge" and record["alpha"] > 0 and record["train_clips"] > 0
    assert record["val_r2"] > -0.05  # never much worse than the training mean it can fall to
    weight = ckpt["model"]["state_dict"]["head.out.weight"]
    assert weight.shape == (128 * 64, 4) and torch.isfinite(weight).all()


def test_lip_pretraining_teaches_the_frame_tower_alone_and_only_on_a_fresh_run(
        l2t_prepared, tmp_path):
    from artimap.checkpoint import read_checkpoint
    from artimap.errors import ArtimapError
    from artimap.tasks import lip2tongue
    from artimap.tasks.lip2tongue.lip_pretrain import pretrain_frame_tower
    from artimap.tasks.registry import train_run

    with pytest.raises(ArtimapError, match="needs aux_lip_weight"):
        _cfg(l2t_prepared, aux_lip_pretrain_steps=5)
    task = make_task(_cfg(l2t_prepared, aux_lip_weight=1.0))
    torch.manual_seed(0)
    model = task.build_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    record = pretrain_frame_tower(model, task, 60, seed=0)
    assert record["loss_last"] < 0.7 * record["loss_first"]  # it learns to read the lips
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed and all(k.startswith("frame_tower.") for k in changed)
    cfg = _cfg(l2t_prepared, aux_lip_weight=1.0, aux_lip_pretrain_steps=3)
    cfg.train.max_steps, cfg.train.epochs, cfg.train.batch_size = 2, 1, 4
    cfg.train.device, cfg.train.progress = "cpu", False
    train_run(lip2tongue, cfg, tmp_path / "run")
    meta = read_checkpoint(tmp_path / "run" / "last.pt")["meta"]
    assert meta["lip_pretrain"]["steps"] == 3
    cfg.train.max_steps = 4  # resuming restores the trained tower: no second pretraining
    got = make_task(cfg)
    got.start = lambda model: pytest.fail("a resumed run must not be warmed up again")
    from artimap.train import train

    train(got, cfg.train, tmp_path / "run", resume=True)
    resumed = read_checkpoint(tmp_path / "run" / "last.pt")
    assert resumed["state"]["step"] == 4 and resumed["meta"]["lip_pretrain"]["steps"] == 3


def test_lip_estimates_are_the_tower_features_before_activation(l2t_prepared):
    from artimap.tasks.lip2tongue.heads import lip_estimates

    task = make_task(_cfg(l2t_prepared, aux_lip_weight=1.0))
    model = task.build_model().eval()
    train, _ = task.datasets()
    batch = torch.utils.data.default_collate([train[0], train[3]])
    frames, flow = task.norm.inputs(batch["frames"], batch["flow"])
    with torch.no_grad(), lip_estimates(model) as got:
        model(frames, flow)
        direct = model.frame_tower.pre_activation(frames.flatten(0, 1))[:, :4]
        after = model.encode_frames(frames.flatten(0, 1))[:, :4]
    assert len(got) == 3 and got[0].shape == (2 * 4, 4)  # forward + the two calls above
    torch.testing.assert_close(got[0], direct)
    slope = model.config.leaky_slope  # the features the LSTM sees: the same, activated
    torch.testing.assert_close(after, torch.where(direct > 0, direct, slope * direct))


def test_ridge_readout_fills_the_lip_term_when_it_predicts_better(l2t_prepared, tmp_path):
    from artimap.checkpoint import read_checkpoint
    from artimap.errors import ArtimapError
    from artimap.models.lip_quadratic import LipQuadratic
    from artimap.tasks import lip2tongue
    from artimap.tasks.lip2tongue.config import EvalConfig
    from artimap.tasks.registry import train_run

    with pytest.raises(ArtimapError, match="set readout: ridge"):
        _cfg(l2t_prepared, model_config={"lip_quadratic": 2})
    term = LipQuadratic(k=2, n_steps=3, out_dim=5, slope=0.5)
    steps = torch.tensor([[[1.0, -1.0, 9.0], [2.0, 0.5, 9.0], [-2.0, 3.0, 9.0]]])  # (1, 3, 3)
    x = torch.tensor([1.0, -2.0, 2.0, 0.5, -4.0, 3.0])  # first 2 of each step, LeakyReLU undone
    want = torch.cat([x, torch.stack([x[i] * x[j] for i in range(6) for j in range(i, 6)])])
    torch.testing.assert_close(term.features(steps)[0], want)
    assert term.n_features == 6 + 21 and not term.out.weight.requires_grad
    cfg = _cfg(l2t_prepared, readout="ridge", aux_lip_weight=1.0, eigentongue_k=4,
               model_config={"lip_quadratic": 2}, eval=EvalConfig(max_frames=8))
    cfg.train.max_steps, cfg.train.epochs, cfg.train.batch_size = 2, 1, 4
    cfg.train.device, cfg.train.progress = "cpu", False
    train_run(lip2tongue, cfg, tmp_path / "run")
    ckpt = read_checkpoint(tmp_path / "run" / "best.pt")
    record = ckpt["meta"]["readout"]
    scores = record["val_r2_by_features"]
    assert set(scores) == {"code", "lips", "code_and_lips"}
    assert record["features"] == max(scores, key=scores.get)
    weight = ckpt["model"]["state_dict"]["lip_term.out.weight"]
    assert (float(weight.abs().sum()) > 0) == (record["features"] != "code")
    metrics = lip2tongue.evaluate_run(tmp_path / "run", "test")
    assert np.isfinite(metrics["metrics"]["r2_speckle_free"]["mean"])


def test_randomized_components_match_the_exact_svd():
    from artimap.models.bases import top_components

    rng = np.random.default_rng(1)
    scales = 0.8 ** np.arange(40)  # a decaying spectrum, then white noise
    z = (rng.standard_normal((600, 40)) * scales) @ np.linalg.qr(
        rng.standard_normal((900, 40)))[0].T + 0.01 * rng.standard_normal((600, 900))
    z -= z.mean(0)
    assert min(z.shape) > 4 * (2 * 8 + 10)  # the randomized path
    vt, ratio = top_components(z, 8)
    _, s, exact = np.linalg.svd(z, full_matrices=False)
    np.testing.assert_allclose(np.abs((vt * exact[:8]).sum(1)), 1.0, atol=1e-6)
    np.testing.assert_allclose(ratio, s[:8] ** 2 / (s ** 2).sum(), rtol=1e-6)
