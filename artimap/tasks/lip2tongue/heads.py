"""Training options of lip2tongue beyond the paper's recipe (each a config field, off by
default, so the paper's rows are unchanged):

- eigentongue head (`eigentongue_k` K > 0): the model's last FC layer has K units and the
  output layer maps them to the image through the top-K principal components of the
  standardised training targets ("fit a basis, then fill the weights"): the output layer's
  weight is the components (D, K), its bias the mean, so before training the head computes
  exactly the PCA reconstruction of its K-unit code. `eigentongue_init: random` keeps the K-unit
  bottleneck with a zero output layer instead (the comparison), `freeze_decoder` keeps the
  basis fixed.
- loss on blurred targets (`loss_blur_sigma` > 0): prediction and target blurred alike (the
  Gaussian of r2_speckle_free), so the loss is not spent on speckle no lip movement predicts.
- auxiliary lip supervision (`aux_lip_weight` > 0): the first 4 features of the frame tower of
  every clip frame, taken before their LeakyReLU and dropout (after them a feature cannot equal
  a negative target, and is zeroed at random in training), regress 4 lip targets
  (standardised, `LipTargets`): with `aux_lip_source: truth` the TRUE jaw and lip parameters
  (talker corpora only), with `measured` the lip measurer's measures of the lip video (any
  corpus prepared with `--lips measured`). Not the paper's model (its rows say so).
  `aux_lip_pretrain_steps` first trains the tower alone on single frames (lip_pretrain.py);
  `model_config.lip_quadratic` lets the ridge readout add a quadratic term on the clip's lip
  estimates (models/lip_quadratic.py, readout.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from artimap.data.lip2tongue.measured_lips import measured_lips
from artimap.data.lip2tongue.truth import LIP_PARAMS, talker_truth
from artimap.data.prepared import Prepared
from artimap.models.bases import LinearBasis, top_components

PCA_MAX_FRAMES = 3000  # training targets the basis is fitted on (evenly spread)


def fit_target_pca(prepared: Prepared, rows: np.ndarray, norm, k: int) -> LinearBasis:
    """Top-k principal components of the standardised training targets at `rows` (R,):
    weight (D, k), bias (D,) in the model's output units (SVD of at most PCA_MAX_FRAMES)."""
    pick = rows[np.unique(np.linspace(0, len(rows) - 1, min(PCA_MAX_FRAMES, len(rows))
                                      ).round().astype(np.int64))]
    y = np.asarray(prepared.array("targets")[np.sort(pick)])
    y = y.astype(np.float32) / 255.0 if y.dtype == np.uint8 else y.astype(np.float32)
    z = norm.target(torch.from_numpy(np.nan_to_num(y))).reshape(len(y), -1).double().numpy()
    mean = z.mean(0)
    vt, ratio = top_components(z - mean, k)  # (k, D), (k,)
    return LinearBasis(vt.T.astype(np.float32), mean.astype(np.float32), "pca", "none", ratio)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur images (B, H, W) with a separable Gaussian, as scipy.ndimage.gaussian_filter does
    (radius 4 sigma, edges repeated: mode "nearest"): (B, H, W)."""
    r = int(4 * sigma + 0.5)
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    g = g / g.sum()
    y = x.unsqueeze(1)  # (B, 1, H, W)
    y = nn.functional.pad(y, (0, 0, r, r), mode="replicate")
    y = nn.functional.conv2d(y, g.view(1, 1, -1, 1))  # along H
    y = nn.functional.pad(y, (r, r, 0, 0), mode="replicate")
    y = nn.functional.conv2d(y, g.view(1, 1, 1, -1))  # along W
    return y.squeeze(1)


class LipTargets:
    """The lip targets of `aux_lip_weight` per prepared row, standardised on the training rows:
    `source` "truth" (the talker's TRUE jaw and lip parameters, talker corpora only) or
    "measured" (the lip measurer's aperture, width, outer height and opening area, any corpus
    prepared with --lips measured). `clips(batch)` -> (B, N, 4) for a batch's clips; a value
    the measurer could not give is NaN and left out of the loss (`lip_loss`)."""

    def __init__(self, prepared: Prepared, train_rows: np.ndarray, clip_len: int,
                 source: str = "truth") -> None:
        if source == "truth":
            lips = talker_truth(prepared)["lip_state"][:, LIP_PARAMS]  # (F, 4)
        else:
            lips = np.asarray(measured_lips(prepared), np.float64)  # (F, 4)
        train = lips[train_rows]
        mu, sd = np.nanmean(train, 0), np.nanstd(train, 0) + 1e-6  # (4,)
        self.source = source
        self.values = torch.from_numpy(((lips - mu) / sd).astype(np.float32))  # (F, 4)
        self.offsets = torch.tensor([e.offset for e in prepared.entries])
        self.steps = torch.arange(clip_len)

    def clips(self, batch: dict) -> torch.Tensor:
        """(B, N, 4) standardised lip targets of the batch's clip frames."""
        first = self.offsets[batch["utterance"].cpu()] + batch["start"].cpu()  # (B,)
        return self.values[first[:, None] + self.steps]  # (B, N, 4)


def lip_loss(estimates: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error of (R, 4) lip estimates against (R, 4) targets, NaN targets left
    out (measured lips where the measurer failed)."""
    ok = torch.isfinite(targets)
    err = (estimates - targets.nan_to_num()) ** 2 * ok
    return err.sum() / ok.sum().clamp(min=1)


@contextmanager
def lip_estimates(net) -> Iterator[list]:
    """Within the block, one forward of `net` (a TS-CNN-LSTM; None: collect nothing) appends
    its frame tower's first 4 features before their activation, (B*N, 4), to the yielded list:
    the lip estimates `aux_lip_weight` trains, without running the tower twice."""
    got: list = []
    if net is None:
        yield got
        return
    layer = net.frame_tower.pre_activation_layer
    # clone: the LeakyReLU after this layer works in place
    handle = layer.register_forward_hook(lambda _m, _i, out: got.append(out[:, :4].clone()))
    try:
        yield got
    finally:
        handle.remove()
