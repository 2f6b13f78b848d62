"""Face-shape bases: PCA, blendshapes (NNLS / bounded), autoencoder, reconstruction RMSE."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import lsq_linear, nnls

from artimap.errors import ArtimapError
from artimap.models.bases import (
    basis_from_state,
    blend_weights,
    fit_autoencoder,
    fit_blendshapes,
    fit_pca,
    keyshapes_from_classes,
    reconstruction_rmse,
)

D = 12  # 4 markers x 3



def low_rank(n: int = 400, rank: int = 3, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """(n, D) frames near a `rank`-dimensional affine subspace around a 100 mm offset."""
    rng = np.random.default_rng(seed)
    codes = rng.standard_normal((n, rank)) * np.array([5.0, 3.0, 1.0][:rank])
    X = 100 + codes @ rng.standard_normal((rank, D))
    return X + noise * rng.standard_normal((n, D))


def test_pca_matches_svd_and_recovers_a_low_rank_space() -> None:
    X = low_rank(noise=0.01)
    pca = fit_pca(X, 3)
    assert pca.weight.shape == (D, 3) and pca.bias.shape == (D,)
    np.testing.assert_allclose(pca.weight.T @ pca.weight, np.eye(3), atol=1e-10)
    assert pca.explained_variance_ratio.sum() > 0.999
    assert np.all(np.diff(pca.explained_variance_ratio) <= 0)
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)  # reference: same subspace
    ref = Xc @ vt[:3].T @ vt[:3] + X.mean(0)
    np.testing.assert_allclose(pca.decode(pca.encode(X)), ref, atol=1e-8)
    assert reconstruction_rmse(pca, X) == pytest.approx(0.01, rel=0.3)  # only the noise is left
    assert reconstruction_rmse(fit_pca(X, 1), X) > 1.0


def test_reconstruction_rmse_is_per_coordinate() -> None:
    X = low_rank(rank=2)
    pca = fit_pca(X, 1)
    err = pca.decode(pca.encode(X)) - X
    assert reconstruction_rmse(pca, X) == pytest.approx(np.sqrt((err**2).sum() / X.size))


def keys_and_neutral(k: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    neutral = 100 + rng.standard_normal(D)
    return neutral + 3 * rng.standard_normal((k, D)), neutral


def test_nnls_weights_reconstruct_keyshapes_exactly() -> None:
    keys, neutral = keys_and_neutral()
    basis = fit_blendshapes(None, keys, neutral, "nonneg", names=["a", "b", "c", "d"])
    np.testing.assert_allclose(basis.decode(np.eye(4)), keys, atol=1e-12)
    np.testing.assert_allclose(basis.encode(keys), np.eye(4), atol=1e-10)  # one-hot
    assert reconstruction_rmse(basis, keys) < 1e-10


@pytest.mark.parametrize("similar", [False, True])
def test_bounded_weights_match_scipy_on_the_full_problem(similar: bool) -> None:
    keys, neutral = keys_and_neutral()
    rng = np.random.default_rng(5)
    if similar:  # nearly collinear keyshapes: an ill-conditioned problem
        keys = keys[:1] + 0.05 * rng.standard_normal(keys.shape)
    X = neutral + rng.standard_normal((50, D)) * 3  # random frames: many constraints active
    for bounds in ("nonneg", "unit"):
        basis = fit_blendshapes(X, keys, neutral, bounds)
        Z = blend_weights(X, basis, bounds)
        assert Z.shape == (50, 4) and Z.min() >= 0
        if bounds == "unit":
            assert Z.max() <= 1
        for i in range(0, 50, 7):
            y = X[i] - neutral
            ref = nnls(basis.weight, y)[0] if bounds == "nonneg" else lsq_linear(
                basis.weight, y, bounds=(0, 1)).x
            np.testing.assert_allclose(Z[i], ref, atol=1e-6)
    unconstrained = blend_weights(X, basis, "none")
    assert unconstrained.min() < 0  # the bounds did matter


def test_blendshape_input_errors() -> None:
    keys, neutral = keys_and_neutral()
    with pytest.raises(ArtimapError, match="linearly dependent"):
        fit_blendshapes(None, np.vstack([keys, keys[:1]]), neutral)
    with pytest.raises(ArtimapError, match=r"\(k, D\)"):
        fit_blendshapes(None, keys, neutral[:5])
    bad = low_rank(10)
    bad[3, 2] = np.nan
    with pytest.raises(ArtimapError, match="NaN"):
        fit_pca(bad, 2)


def test_keyshapes_from_viseme_classes() -> None:
    X = np.arange(5 * D, dtype=float).reshape(5, D)
    classes = ["sil", "open", "sil", "open", "round"]
    keys, neutral, names = keyshapes_from_classes(X, classes, "sil")
    assert names == ["open", "round"]
    np.testing.assert_allclose(neutral, (X[0] + X[2]) / 2)
    np.testing.assert_allclose(keys, [(X[1] + X[3]) / 2, X[4]])
    keys2, _, names2 = keyshapes_from_classes(X, classes, "sil", keep=["round"])
    assert names2 == ["round"] and keys2.shape == (1, D)
    with pytest.raises(ArtimapError, match="neutral class"):
        keyshapes_from_classes(X, classes, "rest")
    with pytest.raises(ArtimapError, match="spread"):
        keyshapes_from_classes(X, classes, "sil", keep=["spread"])


def test_autoencoder_learns_in_data_units_and_is_deterministic() -> None:
    X = low_rank(n=300, rank=2)
    state = torch.get_rng_state()
    ae = fit_autoencoder(X, latent=2, hidden=16, epochs=15, batch_size=32, lr=1e-2, seed=0)
    assert torch.equal(torch.get_rng_state(), state)  # global RNG untouched
    codes = ae.encode(X)
    assert codes.shape == (300, 2) and codes.min() >= 0 and codes.max() <= 1  # sigmoid code
    assert reconstruction_rmse(ae, X) < 0.35 * X.std(axis=0).mean()  # in mm, not normalised
    again = fit_autoencoder(X, latent=2, hidden=16, epochs=15, batch_size=32, lr=1e-2, seed=0)
    np.testing.assert_array_equal(again.decode(codes), ae.decode(codes))
    assert ae.hidden == (16, 16) and ae.dim == D and ae.latent_dim == 2


def test_bases_round_trip_through_checkpoint_state(tmp_path) -> None:
    X = low_rank(n=100)
    keys, neutral = keys_and_neutral()
    for basis in (
        fit_pca(X, 3),
        fit_blendshapes(X, keys, neutral, "unit", names=list("abcd")),
        fit_autoencoder(X, latent=3, hidden=8, epochs=1),
    ):
        torch.save(basis.to_state(), tmp_path / "b.pt")
        back = basis_from_state(torch.load(tmp_path / "b.pt", weights_only=True))
        np.testing.assert_allclose(back.decode(basis.encode(X)), basis.decode(basis.encode(X)))
        np.testing.assert_allclose(back.encode(X), basis.encode(X))
