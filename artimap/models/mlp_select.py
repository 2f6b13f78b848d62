"""A small MLP regressor with early stopping on a validation split, scored exactly as
`ridge_select` scores a penalty, so that a reference row can be the best of both.

Why: a ceiling must be the strongest map from its true inputs, not one regressor. On the
lip2tongue demo talker a 2 x 256 MLP on the 28 true lip values of a clip beats the quadratic
ridge on the speckle-free R^2, so the lip oracle takes whichever is better on validation.

Targets of high dimension (images, D pixels) are learnt as their top-k principal components
(`top_components`, fitted on the training targets): the output layer stays small and the
speckle, which no input predicts, is left out. Inputs are standardised on the training rows;
the score is validation R^2 of smooth(prediction) vs smooth(target) against the training mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from artimap.models.bases import top_components
from artimap.models.ridge import quadratic, ridge_select

HIDDEN = (256, 256)  # hidden widths
MAX_EPOCHS = 300  # upper bound; early stopping ends far sooner
PATIENCE = 15  # epochs without a better validation R^2 before stopping
BATCH = 128
LR = 1e-3
WEIGHT_DECAY = 1e-4


@dataclass
class MLPFit:
    """A fitted MLP map X (n, d) -> Y (n, D) (its best-validation weights)."""

    net: nn.Module
    mu: np.ndarray  # (d,) feature means
    sd: np.ndarray  # (d,) feature standard deviations
    y_mean: np.ndarray  # (D,) training target mean
    basis: np.ndarray  # (k, D) output directions (identity rows for small D)
    scale: np.ndarray  # (k,) standard deviation of the training scores
    val_r2: float  # validation R^2 (of smoothed targets) at the best epoch
    epochs: int  # epochs trained up to the best one

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, d) features -> (n, D) predictions."""
        with torch.no_grad():
            z = self.net(torch.from_numpy(((x - self.mu) / self.sd).astype(np.float32)))
        return (z.double().numpy() * self.scale) @ self.basis + self.y_mean


def _net(d: int, k: int, hidden: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU()]
        d = h
    layers.append(nn.Linear(d, k))
    return nn.Sequential(*layers)


def _r2(fit: MLPFit, xv: np.ndarray, ref: np.ndarray, r0: float,
        smooth: Callable[[np.ndarray], np.ndarray]) -> float:
    err = smooth(fit.predict(xv)) - ref
    return 1.0 - float((err * err).sum()) / max(r0, 1e-12)


def mlp_select(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray,
               smooth: Callable[[np.ndarray], np.ndarray] = lambda v: v, k: int = 64,
               hidden: tuple[int, ...] = HIDDEN, seed: int = 0) -> MLPFit:
    """MLP from x (n, d) to y (n, D), trained with Adam on the standardised top-k components
    of y (all of y when D <= k) and stopped at its best validation R^2 (xv (m, d), yv (m, D),
    `smooth` as in `ridge_select`). Deterministic for a given seed (one thread's order)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    y_mean = y.mean(0)
    yc = y - y_mean
    basis = np.eye(y.shape[1]) if y.shape[1] <= k else top_components(yc, k)[0]  # (k, D)
    scores = yc @ basis.T  # (n, k)
    scale = scores.std(0) + 1e-9
    xs = torch.from_numpy(((x - mu) / sd).astype(np.float32))
    ys = torch.from_numpy((scores / scale).astype(np.float32))
    fit = MLPFit(_net(x.shape[1], len(basis), hidden), mu, sd, y_mean, basis, scale,
                 -np.inf, 0)
    ref = smooth(yv) - smooth(y_mean[None])
    r0 = float((ref * ref).sum())
    ref = smooth(yv)
    opt = torch.optim.Adam(fit.net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    best_state, waited = None, 0
    for epoch in range(1, MAX_EPOCHS + 1):
        fit.net.train()
        for idx in torch.randperm(len(xs), generator=gen).split(BATCH):
            loss = ((fit.net(xs[idx]) - ys[idx]) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        fit.net.eval()
        r2 = _r2(fit, xv, ref, r0, smooth)
        if r2 > fit.val_r2:
            fit.val_r2, fit.epochs, waited = r2, epoch, 0
            best_state = {n: t.detach().clone() for n, t in fit.net.state_dict().items()}
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    if best_state is not None:
        fit.net.load_state_dict(best_state)
    return fit


def best_regressor(f: list[np.ndarray], y: np.ndarray, yv: np.ndarray, smooth, quad: bool
                   ) -> tuple[np.ndarray, str]:
    """(prediction for f[2], description): the better on validation of a ridge (on the
    features and, with `quad`, their products) and a small MLP (`mlp_select`), from features
    f = [train (n, d), val (m, d), evaluated (F, d)] to targets y (n, D) / yv (m, D)."""
    r = f
    if quad:  # standardise with the training clips' statistics, then expand
        mu, sd = f[0].mean(0), f[0].std(0) + 1e-6
        r = [quadratic_fixed(x, mu, sd) for x in f]
    ridge = ridge_select(r[0], y, r[1], yv, smooth)
    mlp = mlp_select(f[0], y, f[1], yv, smooth)
    kind = "quadratic ridge" if quad else "ridge"
    about = (f"best on validation of {kind} (alpha {ridge.alpha:.3g}, val R2 "
             f"{ridge.val_r2:.3f}) and MLP {'x'.join(map(str, HIDDEN))} (val R2 "
             f"{mlp.val_r2:.3f}, {mlp.epochs} epochs)")
    if mlp.val_r2 > ridge.val_r2:
        return mlp.predict(f[2]), f"{about}: the MLP"
    return ridge.predict(r[2]), f"{about}: the {kind}"


def quadratic_fixed(f: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """`quadratic` with given standardisation (the training clips'): (n, d + d(d+1)/2)."""
    return quadratic((f - mu) / sd, standardise=False)
