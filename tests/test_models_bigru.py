"""phone2face BiGRU: every decoder variant, padding, injection, training and reloading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

from artimap.errors import ArtimapError
from artimap.models import MODELS, build_model, load_model
from artimap.models.bases import (
    basis_from_state,
    fit_autoencoder,
    fit_blendshapes,
    fit_pca,
    keyshapes_from_classes,
)
from artimap.models.bigru import Phone2FaceConfig, build, inject_decoder, make_model, sequence_mask
from artimap.train import TrainConfig, smoke, train

P, M = 6, 4  # phones, markers
D = M * 3



def synth_corpus(n_utts: int = 12, seed: int = 0):
    """Phone-id sequences (T,) and marker frames (T, D): each phone pulls towards its shape."""
    rng = np.random.default_rng(seed)
    shapes = 100 + 5 * rng.standard_normal((P, D))
    utts = []
    for _ in range(n_utts):
        phones = np.repeat(rng.integers(0, P, 6), rng.integers(2, 6, 6))  # (T,)
        target = shapes[phones].copy()
        for t in range(1, len(target)):  # first-order smoothing = coarticulation
            target[t] = 0.6 * target[t] + 0.4 * target[t - 1]
        utts.append((torch.from_numpy(phones), torch.from_numpy(target).float()))
    return utts


def frames(utts) -> np.ndarray:
    return torch.cat([y for _, y in utts]).numpy().astype(np.float64)  # (F, D)


def collate(items):
    """Pad a list of (phones (T,), target (T, D)) into (B, T), (B, T, D) and lengths (B,)."""
    phones = pad_sequence([p for p, _ in items], batch_first=True)
    target = pad_sequence([y for _, y in items], batch_first=True)
    return phones, target, torch.tensor([len(p) for p, _ in items])


def masked_mse(model, batch):
    phones, target, lengths = batch
    mask = sequence_mask(lengths, phones.shape[1])  # (B, T)
    err = ((model(phones, lengths) - target) ** 2)[mask]  # (frames, D)
    return err.mean(), {"rmse": err.mean().detach().sqrt()}


def variants(utts) -> dict:
    X = frames(utts)
    classes = np.array(["sil"] * len(X), dtype=object)
    classes[: len(X) // 2] = np.where(X[: len(X) // 2, 0] > 100, "open", "round")
    keys, neutral, names = keyshapes_from_classes(X, classes, "sil")
    ae = fit_autoencoder(X, latent=3, hidden=8, epochs=2, seed=0)
    small = dict(n_phones=P, n_out=D, hidden=8, latent_dim=3)
    lat = dict(small, decoder="latent")
    return {
        "dense": (Phone2FaceConfig(**small), None),
        "unidirectional": (Phone2FaceConfig(**small, bidirectional=False, layers=1), None),
        "latent-random": (Phone2FaceConfig(**lat), None),
        "pca-injected": (Phone2FaceConfig(**lat, init="injected"), fit_pca(X, 3)),
        "blend-injected": (
            Phone2FaceConfig(**dict(lat, latent_dim=2), init="injected"),
            fit_blendshapes(X, keys, neutral, "nonneg", names),
        ),
        "ae-injected": (
            Phone2FaceConfig(**lat, init="injected", latent_activation="sigmoid",
                             decoder_hidden=(8, 8)),
            ae,
        ),
    }


@pytest.mark.parametrize(
    "name",
    ["dense", "unidirectional", "latent-random", "pca-injected", "blend-injected", "ae-injected"],
)
def test_variant_forward_backward(name: str) -> None:
    utts = synth_corpus()
    cfg, basis = variants(utts)[name]
    torch.manual_seed(0)
    model = make_model(cfg, basis)
    phones, target, lengths = collate(utts[:3])
    out = model(phones, lengths)
    assert out.shape == (3, phones.shape[1], D) and out.dtype == torch.float32
    loss, _ = masked_mse(model, (phones, target, lengths))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    assert model.config.init == ("injected" if basis is not None else "random")


def test_padding_does_not_leak_into_valid_frames() -> None:
    utts = synth_corpus()
    torch.manual_seed(0)
    model = build({"n_phones": P, "n_out": D, "hidden": 8}).eval()
    phones, _, lengths = collate(utts[:4])
    batched = model(phones, lengths)
    for i in range(4):
        alone = model(phones[i : i + 1, : lengths[i]], lengths[i : i + 1])
        torch.testing.assert_close(batched[i : i + 1, : lengths[i]], alone)


def test_pca_injected_decoder_reproduces_pca_reconstruction() -> None:
    X = frames(synth_corpus())
    pca = fit_pca(X, 3)
    model = make_model(Phone2FaceConfig(n_phones=P, n_out=D, decoder="latent", latent_dim=3,
                                        init="injected"), pca)
    codes = pca.encode(X)  # (F, 3)
    with torch.no_grad():
        out = model.decoder(torch.from_numpy(codes).float()).double().numpy()
    np.testing.assert_allclose(out, pca.decode(codes), atol=1e-3)  # float32 of ~100 mm values
    assert np.abs(out - X).max() < np.abs(X - X.mean(0)).max()


def test_autoencoder_injected_decoder_matches_autoencoder() -> None:
    X = frames(synth_corpus())
    ae = fit_autoencoder(X, latent=3, hidden=8, epochs=2, seed=1)
    cfg = Phone2FaceConfig(n_phones=P, n_out=D, decoder="latent", latent_dim=3,
                           latent_activation="sigmoid", decoder_hidden=(8, 8))
    model = inject_decoder(build(cfg), ae)
    codes = ae.encode(X[:20])
    with torch.no_grad():
        out = model.decoder(torch.from_numpy(codes).float()).double().numpy()
    np.testing.assert_allclose(out, ae.decode(codes), atol=1e-4)


def test_injection_mismatches_are_clear_errors() -> None:
    X = frames(synth_corpus())
    pca = fit_pca(X, 3)
    small = dict(n_phones=P, n_out=D)
    with pytest.raises(ArtimapError, match="dense decoder"):
        inject_decoder(build(small), pca)
    with pytest.raises(ArtimapError, match="latent_dim"):
        inject_decoder(build(dict(small, decoder="latent", latent_dim=4)), pca)
    with pytest.raises(ArtimapError, match="decoder_hidden"):
        inject_decoder(build(dict(small, decoder="latent", latent_dim=3,
                                  decoder_hidden=[8])), pca)
    ae = fit_autoencoder(X, latent=3, hidden=8, epochs=1)
    with pytest.raises(ArtimapError, match="sigmoid"):
        inject_decoder(build(dict(small, decoder="latent", latent_dim=3,
                                  decoder_hidden=[8, 8])), ae)
    with pytest.raises(ArtimapError, match="no basis"):
        make_model(Phone2FaceConfig(**small, decoder="latent", init="injected"))


def test_frozen_decoder_gets_no_gradient() -> None:
    model = build({"n_phones": P, "n_out": D, "decoder": "latent", "freeze_decoder": True})
    model(torch.zeros(1, 5, dtype=torch.long)).sum().backward()
    assert all(p.grad is None for p in model.decoder.parameters())
    assert model.to_latent.weight.grad is not None


class P2FTask:
    """A tiny phone2face task with a PCA-injected decoder (the basis goes into the meta)."""

    model_name = "phone2face_bigru"

    def __init__(self) -> None:
        self.utts = synth_corpus()
        self.basis = fit_pca(frames(self.utts[:8]), 3)
        self.cfg = Phone2FaceConfig(n_phones=P, n_out=D, hidden=8, decoder="latent",
                                    latent_dim=3, init="injected")

    def build_model(self):
        return make_model(self.cfg, self.basis)

    def datasets(self):
        return self.utts[:8], self.utts[8:]

    collate = staticmethod(collate)
    loss = staticmethod(masked_mse)

    def meta(self) -> dict:
        return {"basis": self.basis.to_state(), "phones": [f"p{i}" for i in range(P)]}


def test_train_then_load_model_gives_identical_outputs(tmp_path: Path) -> None:
    task = P2FTask()
    cfg = smoke(TrainConfig(batch_size=2, progress=False))
    train(task, cfg, tmp_path / "run")
    phones, _, lengths = collate(task.utts[8:])
    last = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    reference = make_model(task.cfg, task.basis)
    reference.load_state_dict(last["model"]["state_dict"])
    for name in ("last.pt", "best.pt"):
        model, meta = load_model(tmp_path / "run" / name)
        assert not model.training and meta["model_name"] == "phone2face_bigru"
        assert model.config == task.cfg and meta["state"]["step"] == 2
        assert meta["phones"][0] == "p0"
        with torch.no_grad():
            torch.testing.assert_close(model(phones, lengths), reference.eval()(phones, lengths))
    basis = basis_from_state(meta["basis"])
    np.testing.assert_array_equal(basis.weight, task.basis.weight)


def test_registry_builds_by_name_and_lists_valid_names() -> None:
    model = build_model("phone2face_bigru", {"n_phones": 3, "n_out": 6, "decoder_hidden": [4]})
    assert model.config.decoder_hidden == (4,)
    assert all(":" in target for target in MODELS.values())
    with pytest.raises(ArtimapError, match="phone2face_bigru"):
        build_model("no_such_model")
    with pytest.raises(ArtimapError, match="hiden"):
        build_model("phone2face_bigru", {"hiden": 3})


def test_output_layers_keep_float32_under_autocast() -> None:
    X = frames(synth_corpus())
    model = make_model(Phone2FaceConfig(n_phones=P, n_out=D, hidden=8, decoder="latent",
                                        latent_dim=3, init="injected"), fit_pca(X, 3)).eval()
    phones = torch.randint(0, P, (2, 9))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(phones)
    assert out.dtype == torch.float32
    # only the GRU ran in bfloat16: errors stay far below bfloat16's 0.5 mm step at 100 mm
    assert (out - model(phones)).abs().max() < 0.05
