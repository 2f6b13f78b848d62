"""The 13-d face spaces of phone2face: frames of a prepared split, target normalisation, basis
fitting (PCA, blendshapes with keyshapes per viseme class, autoencoder) and Table 1.

Frames X are (F, D) with D = M * 3 coordinates (marker-major: m0.x, m0.y, m0.z, m1.x ...),
in mm; only frames where every marker is valid are used to fit or score a basis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.phone2face.dataset import load_stats, open_prepared, phone_set
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.models.bases import (
    LinearBasis,
    fit_autoencoder,
    fit_blendshapes,
    fit_pca,
    keyshapes_from_classes,
    reconstruction_rmse,
)
from artimap.models.latent_decoder import AutoencoderBasis

Basis = LinearBasis | AutoencoderBasis


@dataclass
class SplitFrames:
    """Fully valid frames of one split: X (F, D) mm, phone ids (F,), central (F,) bool.

    `central` marks the middle third of every phone segment (the frames closest to the
    phone's articulatory target, used to take keyshapes).
    """

    X: np.ndarray
    phone_ids: np.ndarray
    central: np.ndarray


def split_frames(prepared: Prepared | str | Path, split: str, max_frames: int = 0,
                 seed: int = 0) -> SplitFrames:
    """The frames of `split` whose markers are all valid, at most `max_frames` (0 = all),
    drawn at random (seeded) utterance by utterance so memory stays near max_frames."""
    prepared = open_prepared(prepared)
    pts, mask, ids = (prepared.array(k) for k in ("markers", "mask", "phone_ids"))
    spans = [(e.offset, e.n_frames) for e in prepared.listed(split)]
    valid = [np.asarray(mask[a:a + n]).all(axis=1) for a, n in spans]  # (T,) per utterance
    total = sum(int(v.sum()) for v in valid)
    share = min(1.0, 1.1 * max_frames / max(total, 1)) if max_frames > 0 else 1.0
    rng = np.random.default_rng(seed)
    xs, ps, cs = [], [], []
    for (a, n), ok in zip(spans, valid):
        keep = ok & (rng.random(n) < share)  # (T,)
        phones = np.asarray(ids[a:a + n], dtype=np.int64)
        xs.append(np.asarray(pts[a:a + n], np.float32).reshape(n, -1)[keep])  # (T', D)
        ps.append(phones[keep])
        cs.append(_central(phones)[keep])
    if not xs or sum(len(x) for x in xs) == 0:
        raise ArtimapError(f"{prepared.folder}: split {split!r} has no frame with every "
                           "marker valid")
    X, P, C = np.concatenate(xs), np.concatenate(ps), np.concatenate(cs)
    if 0 < max_frames < len(X):
        pick = np.sort(rng.choice(len(X), max_frames, replace=False))
        X, P, C = X[pick], P[pick], C[pick]
    return SplitFrames(X, P, C)


def _central(phones: np.ndarray) -> np.ndarray:
    """(T,) bool: the middle third of every run of equal phone ids (T,)."""
    out = np.zeros(len(phones), bool)
    edges = np.flatnonzero(np.diff(phones)) + 1
    for a, b in zip(np.r_[0, edges], np.r_[edges, len(phones)]):
        third = (b - a) // 3
        out[a + third:b - third] = True
    return out


def target_stats(prepared: Prepared | str | Path, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(mean (D,), scale (D,)) float32 so that targets are (x - mean) / scale.

    mode "none": 0 and 1; "centre": the train mean and 1 (errors stay in mm); "standardise":
    the train mean and standard deviation.
    """
    mean, std = load_stats(open_prepared(prepared))
    if mode == "none":
        return np.zeros_like(mean), np.ones_like(std)
    if mode == "centre":
        return mean, np.ones_like(std)
    if mode == "standardise":
        return mean, std
    raise ArtimapError(f"normalise: expected none, centre or standardise, got {mode!r}")


def phone_groups(prepared: Prepared | str | Path,
                 classes: dict[str, str]) -> tuple[list[str], list[str], str]:
    """(phones (P,), viseme class of every phone (P,), the neutral (silence) class).

    `classes` maps phone -> class; when empty, the classes of the virtual talker's corpus.json
    are used if the dataset was prepared from one, else every phone is its own class.
    """
    prepared = open_prepared(prepared)
    inventory = phone_set(prepared)
    phones, silence = list(inventory.phones), inventory.silence or "sil"
    if not classes:
        classes = _talker_classes(Path(prepared.manifest.get("corpus", "")))
    return phones, [classes.get(p, p) for p in phones], classes.get(silence, silence)


def _talker_classes(corpus: Path) -> dict[str, str]:
    path = corpus / "corpus.json"
    if not path.is_file():
        return {}
    info = json.loads(path.read_text(encoding="utf-8"))
    phones = info.get("phones")
    return dict(phones) if info.get("format") == "artimap-talker" and isinstance(phones, dict) \
        else {}


def choose_keyshapes(frames: SplitFrames, phones: list[str], groups: list[str], neutral: str,
                     k: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """k keyshapes (k, D), the neutral shape (D,) and their names, from the central frames.

    Keyshapes are the mean central frame of the k most frequent viseme classes; with fewer
    than k classes present, the k most frequent phones are used instead. The neutral shape is
    the mean central frame of the silence class.
    """
    ids = frames.phone_ids[frames.central]  # (F',)
    X = frames.X[frames.central]  # (F', D)
    by_class = np.asarray(groups, dtype=object)[ids].astype(str)
    by_phone = np.where(by_class == neutral, neutral, np.asarray(phones, dtype=object)[ids])
    for labels in (by_class, by_phone.astype(str)):
        names, counts = np.unique(labels[labels != neutral], return_counts=True)
        if len(names) >= k:
            keep = [str(n) for n in names[np.argsort(-counts, kind="stable")][:k]]
            return keyshapes_from_classes(X, labels, neutral, keep)
    raise ArtimapError(f"blendshapes: fewer than {k} phones occur in the training split; "
                       "lower latent_dim or use more training data")


def fit_basis(kind: str, frames: SplitFrames, k: int, settings: dict[str, Any],
              visemes: tuple[list[str], list[str], str] | None = None) -> Basis:
    """Fit a basis of kind pca | blendshape | autoencoder on (normalised) frames X (F, D).

    `visemes` = `phone_groups(...)` (blendshapes only); settings: bounds (blendshapes);
    hidden, layers, epochs, batch_size, lr, seed (autoencoder).
    """
    if kind == "pca":
        return fit_pca(frames.X, k)
    if kind == "blendshape":
        if visemes is None:
            raise ArtimapError("blendshapes need the phones' viseme classes")
        keys, rest, names = choose_keyshapes(frames, *visemes, k)
        return fit_blendshapes(None, keys, rest, settings.get("bounds", "nonneg"), names)
    if kind == "autoencoder":
        return fit_autoencoder(
            frames.X, k, settings.get("hidden", 64), settings.get("layers", 2),
            settings.get("epochs", 100), settings.get("batch_size", 256),
            settings.get("lr", 1e-3), settings.get("seed", 0),
        )
    raise ArtimapError(f"unknown basis {kind!r}; valid: pca, blendshape, autoencoder")


def basis_rmse_mm(basis: Basis, X_mm: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> float:
    """Reconstruction RMSE per coordinate in mm of frames X_mm (F, D) through the basis,
    which works on normalised frames (x - mean) / scale."""
    if np.allclose(scale, 1.0):
        return reconstruction_rmse(basis, X_mm - mean)
    Xn = (X_mm - mean) / scale
    rec = basis.decode(basis.encode(Xn)) * scale + mean  # (F, D) mm
    return float(np.sqrt(np.mean((rec - X_mm) ** 2)))


def bases_table(prepared: str | Path, k: int = 13, normalise: str = "centre",
                settings: dict[str, Any] | None = None, max_frames: int = 100_000,
                classes: dict[str, str] | None = None) -> dict[str, Any]:
    """Table 1: test-split reconstruction RMSE (mm) of the k-d PCA, blendshape and
    autoencoder spaces fitted on the train split; plus PCA's explained variance."""
    settings = settings or {}
    mean, scale = target_stats(prepared, normalise)
    train = split_frames(prepared, "train", max_frames)
    train.X = (train.X - mean) / scale
    test = split_frames(prepared, "test", max_frames)
    visemes = phone_groups(prepared, classes or {})
    out: dict[str, Any] = {"latent_dim": k, "n_train_frames": len(train.X),
                           "n_test_frames": len(test.X)}
    for kind in ("pca", "blendshape", "autoencoder"):
        basis = fit_basis(kind, train, k, settings, visemes)
        out[f"{kind}_rmse_mm"] = basis_rmse_mm(basis, test.X, mean, scale)
        if kind == "pca":
            out["pca_explained_variance"] = float(np.sum(basis.explained_variance_ratio))
    return out
