"""The autoencoder basis learns raw capture-space coordinates (large, unequal offsets per
coordinate, e.g. y ~ 1.5 m for a seated speaker) as well as centred ones."""

from __future__ import annotations

import numpy as np

from artimap.models.bases import fit_autoencoder, reconstruction_rmse

D = 12  # 4 markers x 3


def frames(n: int = 300, seed: int = 0) -> np.ndarray:
    """(n, D) frames of mm-sized motion in a 2-d subspace, centred."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 2)) * [3.0, 1.0]) @ rng.standard_normal((2, D))


def test_autoencoder_ignores_per_coordinate_offsets() -> None:
    X = frames()
    offset = np.tile([0.0, 1500.0, -30.0], D // 3)  # (D,) capture-space head position, mm
    kw = dict(latent=2, hidden=16, epochs=40, batch_size=32, lr=1e-2, seed=0)
    centred = reconstruction_rmse(fit_autoencoder(X, **kw), X)
    raw = reconstruction_rmse(fit_autoencoder(X + offset, **kw), X + offset)
    spread = X.std(axis=0).mean()  # mm
    assert centred < 0.35 * spread
    assert raw < 0.35 * spread  # before: scaled by the offsets' spread, nothing was learned
