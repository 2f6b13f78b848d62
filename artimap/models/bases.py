"""Low-dimensional bases of face shapes: PCA, blendshapes, autoencoder.

Each basis maps a code z (k values) to a frame of D marker coordinates and back:
    LinearBasis:      x = weight @ z + bias    (PCA: eigenvectors and mean; blendshapes:
                                                keyshape deltas and neutral shape)
    AutoencoderBasis: x = decoder(z), z = encoder(x) in [0, 1]^k
X is always (F, D) frames by coordinates (D = M * 3, in mm; the lip2tongue eigentongues use the
same LinearBasis on target pixels). A fitted linear basis fills a model's output layer through
`fill_linear`, the one place that copies a basis into weights (phone2face's latent decoder via
`artimap.models.bigru.inject_decoder`, lip2tongue's eigentongue head); `to_state` /
`basis_from_state` carry it through checkpoints as tensors and plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from scipy.linalg import solve_triangular
from scipy.optimize import lsq_linear, nnls

from artimap.errors import ArtimapError
from artimap.models.latent_decoder import AutoencoderBasis, fit_autoencoder

Bounds = Literal["none", "nonneg", "unit"]


@dataclass
class LinearBasis:
    """x = weight @ z + bias, with codes z optionally constrained (blendshape weights)."""

    weight: np.ndarray  # (D, k) basis vectors (PCA components / keyshape deltas) as columns
    bias: np.ndarray  # (D,) mean shape (PCA) or neutral shape (blendshapes)
    kind: str = "pca"  # "pca" | "blendshapes"
    bounds: Bounds = "none"  # constraint on codes used by `encode`
    explained_variance_ratio: np.ndarray | None = None  # (k,) PCA: variance share per component
    names: tuple[str, ...] = ()  # keyshape names (blendshapes)

    @property
    def dim(self) -> int:
        return self.weight.shape[0]

    @property
    def latent_dim(self) -> int:
        return self.weight.shape[1]

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Least-squares codes (F, k) of frames X (F, D), within `bounds`."""
        return blend_weights(X, self, self.bounds)

    def decode(self, Z: np.ndarray) -> np.ndarray:
        """Frames (F, D) from codes Z (F, k)."""
        return np.asarray(Z, np.float64) @ self.weight.T + self.bias

    def to_state(self) -> dict[str, Any]:
        """Tensors and plain values for a checkpoint."""
        evr = self.explained_variance_ratio
        return {
            "kind": self.kind,
            "weight": torch.from_numpy(np.array(self.weight)),
            "bias": torch.from_numpy(np.array(self.bias)),
            "bounds": self.bounds,
            "explained_variance_ratio": None if evr is None else torch.from_numpy(np.array(evr)),
            "names": list(self.names),
        }


def fill_linear(layer: torch.nn.Linear, basis: LinearBasis, freeze: bool = False) -> None:
    """Set `layer` (k -> D: weight (D, k)) to x = basis.weight @ z + basis.bias; `freeze` keeps
    it fixed during training (no gradients)."""
    if tuple(layer.weight.shape) != tuple(basis.weight.shape):
        k, d = layer.in_features, layer.out_features
        raise ArtimapError(f"output layer maps {k} -> {d} values but the {basis.kind} basis maps "
                           f"{basis.latent_dim} -> {basis.dim}; make the code width (latent_dim, "
                           "eigentongue_k) match the basis")
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(basis.weight, dtype=layer.weight.dtype))
        layer.bias.copy_(torch.as_tensor(basis.bias, dtype=layer.bias.dtype))
    layer.requires_grad_(not freeze)


def fit_pca(X: np.ndarray, k: int = 13) -> LinearBasis:
    """The k principal components of frames X (F, D); codes are unconstrained projections."""
    X = _frames(X)
    if not 1 <= k <= min(X.shape):
        raise ArtimapError(f"PCA: k={k} must be between 1 and min(frames, coordinates)")
    mean = X.mean(axis=0)  # (D,)
    cov = np.cov(X - mean, rowvar=False)  # (D, D)
    evals, evecs = np.linalg.eigh(cov)  # ascending
    order = np.argsort(evals)[::-1]
    evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
    comps = evecs[:, :k]  # (D, k)
    # deterministic signs: the largest loading of every component is positive
    signs = np.sign(comps[np.abs(comps).argmax(axis=0), np.arange(k)])
    comps = comps * np.where(signs == 0, 1, signs)
    total = evals.sum()
    evr = evals[:k] / total if total > 0 else np.zeros(k)
    return LinearBasis(comps, mean, "pca", "none", evr)


def top_components(z: np.ndarray, k: int, power: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Top-k right singular vectors (k, D) of a centred z (R, D) and the share of the total
    variance each explains (k,), for D too large for `fit_pca`'s D x D covariance (images).
    Small problems: an exact SVD. Large ones: a seeded randomized SVD (Halko, Martinsson &
    Tropp 2011: 2k + 10 random probes, `power` subspace iterations). On the lip2tongue demo
    corpus's 3000 standardised 128 x 64 targets (k 32) it takes 1.9 CPU s instead of 26,
    and its 32 components capture 41.562 % of the variance against the exact SVD's 41.567 %
    (speckle gives a flat tail, where neighbouring components may mix)."""
    total = max(float((z * z).sum()), 1e-12)
    width = 2 * k + 10
    if min(z.shape) <= 4 * width:
        _, s, vt = np.linalg.svd(z, full_matrices=False)  # vt (min(R, D), D)
    else:
        q = z @ np.random.default_rng(0).standard_normal((z.shape[1], width))  # (R, width)
        for _ in range(power):  # orthonormalise, then one more pass through z z^T
            q = z @ (z.T @ np.linalg.qr(q)[0])
        _, s, vt = np.linalg.svd(np.linalg.qr(q)[0].T @ z, full_matrices=False)  # (width, D)
    k = min(k, len(s))
    return vt[:k], (s[:k] ** 2) / total


def fit_blendshapes(
    X: np.ndarray | None,
    keyshapes: np.ndarray,
    neutral: np.ndarray,
    bounds: Bounds = "nonneg",
    names: tuple[str, ...] | list[str] = (),
) -> LinearBasis:
    """Blendshape basis from keyshapes (k, D) and the neutral shape (D,): x = neutral + B z.

    B's columns are the keyshape deltas (keyshape - neutral). When frames X (F, D) are given
    they only check the dimensions (the basis is fixed by the keyshapes).
    """
    keyshapes = np.asarray(keyshapes, np.float64)
    neutral = np.asarray(neutral, np.float64)
    if keyshapes.ndim != 2 or neutral.shape != (keyshapes.shape[1],):
        raise ArtimapError(
            f"blendshapes: keyshapes {keyshapes.shape} and neutral {neutral.shape} must be "
            "(k, D) and (D,)"
        )
    if X is not None and _frames(X).shape[1] != neutral.shape[0]:
        raise ArtimapError(f"blendshapes: frames have {np.shape(X)[1]} values, keyshapes "
                           f"{neutral.shape[0]}")
    deltas = (keyshapes - neutral).T  # (D, k)
    if np.linalg.matrix_rank(deltas) < deltas.shape[1]:
        raise ArtimapError("blendshapes: keyshapes are linearly dependent; drop or merge some")
    return LinearBasis(deltas, neutral, "blendshapes", bounds, None, tuple(names))


def blend_weights(X: np.ndarray, basis: LinearBasis, bounds: Bounds = "nonneg") -> np.ndarray:
    """Least-squares codes Z (F, k) with X ~ Z @ weight.T + bias, Z >= 0 or in [0, 1].

    The (F, D) problems shrink to (k, k) ones through a QR factorisation of the basis, then a
    batched primal-dual active-set method solves all frames at once (its fixed point meets the
    optimality conditions, so the result is exact); the rare frames it leaves unsettled go to
    scipy's nnls (nonneg) or lsq_linear/BVLS (unit) one by one.
    """
    Y = _frames(X) - basis.bias  # (F, D)
    Q, R = np.linalg.qr(basis.weight)  # (D, k), (k, k)
    C = Y @ Q  # (F, k): |weight z - y| = |R z - c| + a term without z
    if bounds == "none":
        return solve_triangular(R, C.T).T  # (F, k)
    hi = 1.0 if bounds == "unit" else np.inf
    Z = np.empty_like(C)
    for start in range(0, len(C), 32768):  # bounds the (chunk, k, k) systems' memory
        Z[start : start + 32768] = _box_lsq(R, C[start : start + 32768], hi)
    return Z


def _box_lsq(R: np.ndarray, C: np.ndarray, hi: float, max_iter: int = 50) -> np.ndarray:
    """min |R z - c| subject to 0 <= z <= hi for every row c of C (F, k); returns codes (F, k)."""
    G, B = R.T @ R, C @ R  # normal equations G z = b per row: (k, k), (F, k)
    k = G.shape[0]
    codes = solve_triangular(R, C.T).T  # unconstrained start (F, k)
    tol_z, tol_g = 1e-10, 1e-10 * max(np.abs(B).max(), 1.0)
    lo, up = codes < -tol_z, codes > hi + tol_z  # variables held at 0 / at hi
    todo = np.arange(len(C))
    for _ in range(max_iter):
        if todo.size == 0:
            break
        free = ~(lo[todo] | up[todo])  # (n, k)
        fixed = np.where(up[todo], hi, 0.0)  # (n, k)
        A = G * (free[:, :, None] & free[:, None, :])  # (n, k, k): free block of G
        A[:, np.arange(k), np.arange(k)] += ~free  # fixed variables: z_i = fixed_i
        b = np.where(free, B[todo] - fixed @ G, fixed)  # (n, k)
        z = np.linalg.solve(A, b[..., None])[..., 0]  # (n, k)
        g = z @ G - B[todo]  # gradient of |R z - c|^2 / 2 (n, k)
        new_lo = (lo[todo] & (g > -tol_g)) | (free & (z < -tol_z))
        new_up = (up[todo] & (g < tol_g)) | (free & (z > hi + tol_z))
        settled = ((new_lo == lo[todo]) & (new_up == up[todo])).all(axis=1)
        codes[todo], lo[todo], up[todo] = z, new_lo, new_up
        todo = todo[~settled]
    for i in todo:  # did not settle (cycling): exact solvers, one frame at a time
        if np.isinf(hi):
            codes[i] = nnls(R, C[i])[0]
        else:
            codes[i] = lsq_linear(R, C[i], bounds=(0.0, hi), method="bvls").x
    return np.clip(codes, 0.0, hi)


def keyshapes_from_classes(
    X: np.ndarray, classes: np.ndarray | list[str], neutral_class: str,
    keep: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Keyshapes as the mean frame of each (viseme) class.

    X (F, D) frames, classes (F,) a label per frame. Returns (keyshapes (k, D), neutral (D,)
    = mean of the `neutral_class` frames, names (k,)). `keep` selects and orders the classes;
    by default every class but the neutral one, sorted.
    """
    X = _frames(X)
    classes = np.asarray(classes)
    if classes.shape != (X.shape[0],):
        raise ArtimapError(f"keyshapes: {classes.shape[0]} labels for {X.shape[0]} frames")
    present = sorted(set(classes.tolist()))
    if neutral_class not in present:
        raise ArtimapError(f"keyshapes: neutral class {neutral_class!r} has no frames; "
                           f"classes present: {present}")
    names = list(keep) if keep is not None else [c for c in present if c != neutral_class]
    missing = [n for n in names if n not in present]
    if missing:
        raise ArtimapError(f"keyshapes: no frames of class(es) {missing}; present: {present}")
    keys = np.stack([X[classes == n].mean(axis=0) for n in names])  # (k, D)
    return keys, X[classes == neutral_class].mean(axis=0), names


def reconstruction_rmse(basis: LinearBasis | AutoencoderBasis, X: np.ndarray) -> float:
    """RMSE per coordinate (units of X, mm) of encoding then decoding frames X (F, D)."""
    X = _frames(X)
    return float(np.sqrt(np.mean((basis.decode(basis.encode(X)) - X) ** 2)))


def basis_from_state(state: dict[str, Any]) -> LinearBasis | AutoencoderBasis:
    """Inverse of `to_state` (reads what a checkpoint's meta holds)."""
    if state["kind"] == "autoencoder":
        return AutoencoderBasis.from_state(state)
    evr = state.get("explained_variance_ratio")
    return LinearBasis(
        state["weight"].numpy(), state["bias"].numpy(), state["kind"], state["bounds"],
        None if evr is None else evr.numpy(), tuple(state.get("names", ())),
    )


def _frames(X: np.ndarray) -> np.ndarray:
    """X as float64 (F, D), checked finite (missing markers must be filled or dropped first)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ArtimapError(f"expected frames as a non-empty (F, D) array, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ArtimapError("frames contain NaN/inf (missing markers); interpolate gaps or drop "
                           "those frames before fitting a basis")
    return X


__all__ = [
    "AutoencoderBasis",
    "LinearBasis",
    "basis_from_state",
    "blend_weights",
    "fit_autoencoder",
    "fit_blendshapes",
    "fit_pca",
    "keyshapes_from_classes",
    "reconstruction_rmse",
]
