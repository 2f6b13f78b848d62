"""Building blocks shared by the lip2tongue models (TS-CNN-LSTM and the ConvLSTM baseline).

Conventions: batch norm sits before every LeakyReLU, dropout follows the activation
(`conv_dropout` after conv layers, `fc_dropout` after fully connected ones). The output side of
every head is linear: a linear bottleneck ("code") followed by a linear output layer, so the
last two layers carry no LeakyReLU and the output layer can be filled from a fitted basis
(PCA, blendshapes) when wanted.

Shapes: B batch, S time steps, C channels, H, W image size, D features, K points.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def conv_block(cin: int, cout: int, downsample: str, slope: float, dropout: float) -> nn.Sequential:
    """3x3 conv (no bias: batch norm follows) -> BN -> LeakyReLU -> dropout, halving H and W:
    by a stride-2 conv (`downsample` "stride") or by 2x2 max pooling after the activation
    ("maxpool", a full-resolution conv: four times the multiply-adds, finer detail)."""
    if downsample not in ("stride", "maxpool"):
        raise ValueError(f"downsample {downsample!r}: expected stride or maxpool")
    stride = 2 if downsample == "stride" else 1
    layers = [
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.LeakyReLU(slope, inplace=True),
    ]
    if downsample == "maxpool":
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Dropout(dropout))


def _pool_matrix(n: int, grid: int) -> np.ndarray:
    """(grid, n) averaging weights of adaptive average pooling along one axis: row i averages
    the inputs floor(i n / grid) .. ceil((i + 1) n / grid) - 1, as torch's adaptive pooling."""
    i = np.arange(grid)
    start, end = (i * n) // grid, -((-(i + 1) * n) // grid)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])  # (grid, n)
    return inside / (end - start)[:, None]


def grid_pool(x: torch.Tensor, grid: int) -> torch.Tensor:
    """Adaptive average pooling x (B, C, H, W) -> (B, C, grid, grid) that ONNX exports at every
    size: a fixed-kernel average pool when grid divides H and W, else the same means as two
    constant averaging matrices (torch's adaptive pooling exports only the divisible case)."""
    h, w = int(x.shape[-2]), int(x.shape[-1])
    if h % grid == 0 and w % grid == 0:
        return F.avg_pool2d(x, (h // grid, w // grid))
    rows = torch.as_tensor(_pool_matrix(h, grid), dtype=x.dtype, device=x.device)  # (g, H)
    cols = torch.as_tensor(_pool_matrix(w, grid).T, dtype=x.dtype, device=x.device)  # (W, g)
    return rows @ x @ cols  # (g, H) @ (B, C, H, W) @ (W, g) -> (B, C, g, g)


class GridPool(nn.Module):
    """`grid_pool` as a module (no parameters): (B, C, H, W) -> (B, C, grid, grid)."""

    def __init__(self, grid: int) -> None:
        super().__init__()
        self.grid = grid

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return grid_pool(x, self.grid)


NORMS = ("batch", "layer", "none")


def fc_block(din: int, dout: int, slope: float, dropout: float, norm: str = "batch"
             ) -> nn.Sequential:
    """Linear -> norm -> LeakyReLU -> dropout, on (B, din) -> (B, dout).

    norm "batch" (the paper's choice for TS-CNN-LSTM), "layer" (no running statistics, so no
    train/eval gap) or "none"; the Linear has a bias only without a norm.
    """
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    layers: list[nn.Module] = [nn.Linear(din, dout, bias=norm == "none")]
    if norm == "batch":
        layers.append(nn.BatchNorm1d(dout))
    elif norm == "layer":
        layers.append(nn.LayerNorm(dout))
    return nn.Sequential(*layers, nn.LeakyReLU(slope, inplace=True), nn.Dropout(dropout))


class ConvTower(nn.Module):
    """Per-frame CNN encoder: (B, C, H, W) -> (B, D).

    One `conv_block` per entry of `channels` (each halves H and W), adaptive average
    pooling (`grid_pool`) to a `pool` x `pool` grid (keeps coarse layout: where the lips open
    matters), then one `fc_block` to `feat_dim`. Works for any H, W >= 2 ** len(channels).
    """

    def __init__(
        self,
        in_channels: int,
        channels: tuple[int, ...],
        pool: int,
        feat_dim: int,
        downsample: str,
        slope: float,
        conv_dropout: float,
        fc_dropout: float,
    ) -> None:
        super().__init__()
        layers, cin = [], in_channels
        for cout in channels:
            layers.append(conv_block(cin, cout, downsample, slope, conv_dropout))
            cin = cout
        self.convs = nn.Sequential(*layers)
        self.pool = GridPool(pool)  # exports to ONNX at every input size
        self.fc = fc_block(cin * pool * pool, feat_dim, slope, fc_dropout)
        self.feat_dim = feat_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, H, W) -> features (B, D)."""
        y = self.pool(self.convs(x))  # (B, C', pool, pool)
        return self.fc(y.flatten(1))  # (B, C' * pool * pool) -> (B, D)

    def pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, H, W) -> the last block's normalised linear output (B, D), before its
        LeakyReLU and dropout: a quantity that can equal any real target (the features, after
        the activation, squash negative values and are dropped at random in training)."""
        y = self.pool(self.convs(x)).flatten(1)  # (B, C' * pool * pool)
        return self.fc[:-2](y)  # Linear [-> norm]; the block ends with activation, dropout

    @property
    def pre_activation_layer(self) -> nn.Module:
        """The layer whose output `pre_activation` returns (Linear, or its norm): a forward
        hook on it sees the same values during an ordinary forward pass."""
        return self.fc[:-2][-1]


class StepAttention(nn.Module):
    """Per-time-step sigmoid gate: a(t) = sigmoid(w . y(t) + b); y'(t) = a(t) * y(t)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """y (B, S, D) -> (gated y (B, S, D), weights (B, S))."""
        a = torch.sigmoid(self.score(y))  # (B, S, 1)
        return y * a, a.squeeze(-1)  # weights (B, S, 1) -> (B, S)


class UpconvDecoder(nn.Module):
    """Code (B, D) -> image (B, H, W) through a small upsampling conv decoder.

    `channels` = (c0, c1, ..., c_{m-1}): a fully connected seed layer (BN + LeakyReLU) makes a
    (c0, H / 2^m, W / 2^m) grid; each of the m stages doubles H and W (nearest upsampling, then a
    3x3 conv to the next channel count; 1 channel after the last stage). Inner stages use BN +
    LeakyReLU; the last conv is linear. H and W must be divisible by 2^m.
    """

    def __init__(
        self, din: int, out_hw: tuple[int, int], channels: tuple[int, ...], slope: float
    ) -> None:
        super().__init__()
        m = len(channels)
        h, w = out_hw
        if m == 0 or h % 2**m or w % 2**m:
            raise ValueError(f"decoder with {m} stages needs H, W divisible by {2**m}, got {h}x{w}")
        self.seed_shape = (channels[0], h // 2**m, w // 2**m)
        self.seed = fc_block(din, channels[0] * (h // 2**m) * (w // 2**m), slope, 0.0)
        stages: list[nn.Module] = []
        for i, cin in enumerate(channels):
            last = i == m - 1
            cout = 1 if last else channels[i + 1]
            stages.append(nn.Upsample(scale_factor=2, mode="nearest"))
            stages.append(nn.Conv2d(cin, cout, 3, padding=1, bias=last))
            if not last:
                stages += [nn.BatchNorm2d(cout), nn.LeakyReLU(slope, inplace=True)]
        self.stages = nn.Sequential(*stages)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        """code (B, D) -> image (B, H, W)."""
        x = self.seed(code).view(-1, *self.seed_shape)  # (B, c0, H / 2^m, W / 2^m)
        return self.stages(x).squeeze(1)  # (B, 1, H, W) -> (B, H, W)


class OutputHead(nn.Module):
    """Fully connected head: (B, D) -> image (B, H, W) or points (B, K, 2).

    `fc_dims` = (h1, ..., hk): h1..h_{k-1} are `fc_block`s (with `norm`); hk is a linear
    bottleneck (followed
    by `fc_dropout`). The output layer is linear: one Linear to H * W (or K * 2), or, when
    `decoder_channels` is non-empty, an `UpconvDecoder`.
    """

    def __init__(
        self,
        din: int,
        fc_dims: tuple[int, ...],
        out_shape: tuple[int, int],
        decoder_channels: tuple[int, ...],
        slope: float,
        fc_dropout: float,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        if not fc_dims:
            raise ValueError("fc_dims needs at least one entry (the linear bottleneck)")
        layers: list[nn.Module] = []
        for dout in fc_dims[:-1]:
            layers.append(fc_block(din, dout, slope, fc_dropout, norm))
            din = dout
        layers += [nn.Linear(din, fc_dims[-1]), nn.Dropout(fc_dropout)]
        self.hidden = nn.Sequential(*layers)
        self.out_shape = out_shape
        if decoder_channels:
            self.out: nn.Module = UpconvDecoder(fc_dims[-1], out_shape, decoder_channels, slope)
        else:
            self.out = nn.Linear(fc_dims[-1], out_shape[0] * out_shape[1])

    def zero_output(self) -> None:
        """Zero the output layer (the Linear, or the decoder's last conv): the head outputs 0
        for every input until training moves it, i.e. the training mean for targets that are
        standardised about it, instead of random noise the first steps must unlearn."""
        last = self.out if isinstance(self.out, nn.Linear) else self.out.stages[-1]
        nn.init.zeros_(last.weight)
        if last.bias is not None:
            nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, D) -> (B, H, W) for images, (B, K, 2) for points."""
        y = self.out(self.hidden(x))
        return y.reshape(-1, *self.out_shape)  # (B, H * W) -> (B, H, W) or (B, K * 2) -> (B, K, 2)
