"""ConvLSTM baseline: stacked ConvLSTM cells over the lip frames, decoded to the tongue target.

Input: lip frames (B, N, 1, H, W) (no optical flow). Stacked ConvLSTM cells (paper baseline:
hidden 64, 64, 32, 3x3 kernels, zero initial state) run over the N steps; each step's top hidden
map h(t) (B, C, H, W) is reduced by a 3x3 conv to one channel. Lips and tongue are different
images, so a resizing decoder maps that (B, 1, H, W) map to the target:
  - decoder "fc" (default): adaptive average pool to a g x g grid, then the shared fully
    connected `OutputHead` -> image (B, H_out, W_out) or points (B, K, 2). Its hidden layers
    use layer norm by default: the pooled 1-channel map varies little between clips, and batch
    norm's running variance of it (~1e-7) made eval-mode outputs diverge from training ones;
  - decoder "interp": bilinear resize of the 1-channel map to (H_out, W_out) (image head only;
    closest to the original frame-prediction code, purely spatial).
Optional attention over time: a(t) = sigmoid(w . mean_HW h(t) + b) gates each step's hidden map;
the clip summary is then the mean over steps of a(t) h(t) (without attention: the last h).
target_position all decodes every step: (B, N, H_out, W_out) / (B, N, K, 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from artimap.clip import target_offset
from artimap.config import build_config, check_ranges
from artimap.errors import ArtimapError
from artimap.models.blocks import OutputHead, StepAttention, grid_pool
from artimap.models.export import Call, Part


@dataclass
class ConvLstmConfig:
    n_frames: int = 7  # N, lip frames per clip
    in_size: int = 96  # H = W of the square grayscale mouth crops
    hidden: tuple[int, ...] = (64, 64, 32)  # hidden channels of the stacked ConvLSTM cells
    kernel: int = 3  # ConvLSTM kernel size (odd)
    use_attention: bool = False  # sigmoid gate per time step on the pooled hidden maps
    target_position: Literal["last", "centre", "all"] = "last"  # predicted ultrasound frame(s)
    head: Literal["image", "points"] = "image"  # output: image (H, W) or points (K, 2)
    out_h: int = 64  # image head: target height
    out_w: int = 128  # image head: target width
    n_points: int = 11  # points head: K contour points
    decoder: Literal["fc", "interp"] = "fc"  # 1-channel map -> target, module doc
    decoder_grid: int = 24  # decoder fc: adaptive pooling grid (g x g) of the 1-channel map
    fc_dims: tuple[int, ...] = (512, 128)  # decoder fc: FC layers; the last is linear
    leaky_slope: float = 0.3  # LeakyReLU negative slope in the decoder
    head_norm: Literal["batch", "layer", "none"] = "layer"  # decoder fc norm (module doc)
    fc_dropout: float = 0.5  # dropout after fully connected layers

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {
            "n_frames": ">= 1", "in_size": ">= 1", "hidden": ">= 1", "kernel": ">= 1",
            "out_h": ">= 1", "out_w": ">= 1", "n_points": ">= 1", "decoder_grid": ">= 1",
            "fc_dims": ">= 1", "leaky_slope": ">= 0", "fc_dropout": "in [0, 1)"})
        if self.kernel % 2 == 0:
            raise ArtimapError(f"kernel: must be odd, got {self.kernel}")
        if not self.hidden:
            raise ArtimapError("hidden: need at least one ConvLSTM layer")
        if self.decoder == "interp" and self.head != "image":
            raise ArtimapError("decoder: 'interp' only makes images; use decoder=fc for points")

    def target_frames(self) -> list[int]:
        """Clip frame indices the output is aligned with (one per output frame)."""
        if self.target_position != "all":
            return [target_offset(self.n_frames, self.target_position)]
        return list(range(self.n_frames))

    def out_shape(self) -> tuple[int, int]:
        """(H, W) of the image head or (K, 2) of the points head."""
        return (self.out_h, self.out_w) if self.head == "image" else (self.n_points, 2)


# A tiny variant for tests and first tries.
TINY_CONVLSTM: dict[str, Any] = {
    "n_frames": 4,
    "in_size": 24,
    "hidden": [4, 4, 2],
    "decoder_grid": 6,
    "fc_dims": [16, 8],
    "out_h": 8,
    "out_w": 16,
    "n_points": 5,
}


class ConvLSTMCell(nn.Module):
    """One ConvLSTM layer run over a whole sequence.

    The gate conv over [x, h] is split into an input part (run once on all steps, batched) and
    a recurrent part (run per step); their sum equals the single conv on the concatenation.
    """

    def __init__(self, cin: int, hidden: int, kernel: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.conv_x = nn.Conv2d(cin, 4 * hidden, kernel, padding=kernel // 2)
        self.conv_h = nn.Conv2d(hidden, 4 * hidden, kernel, padding=kernel // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, N, C, H, W) -> hidden maps (B, N, hidden, H, W), from a zero state."""
        b, n, _, h, w = x.shape
        gx = self.conv_x(x.flatten(0, 1))  # (B*N, C, H, W) -> (B*N, 4Ch, H, W)
        gx = gx.view(b, n, 4 * self.hidden, h, w)  # (B, N, 4Ch, H, W)
        hid = x.new_zeros(b, self.hidden, h, w)
        cell = torch.zeros_like(hid)
        outs = []
        for t in range(n):
            gates = gx[:, t] if t == 0 else gx[:, t] + self.conv_h(hid)  # (B, 4Ch, H, W)
            i, f, o, g = gates.chunk(4, dim=1)
            cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
            hid = torch.sigmoid(o) * torch.tanh(cell)
            outs.append(hid)
        return torch.stack(outs, dim=1)  # (B, N, Ch, H, W)


class ConvLstm(nn.Module):
    """Stacked ConvLSTM lip -> tongue baseline; see the module docstring for shapes."""

    def __init__(self, cfg: ConvLstmConfig) -> None:
        super().__init__()
        self.config = cfg
        chans = (1, *cfg.hidden)
        self.cells = nn.ModuleList(
            ConvLSTMCell(chans[i], chans[i + 1], cfg.kernel) for i in range(len(cfg.hidden))
        )
        self.attention = StepAttention(cfg.hidden[-1]) if cfg.use_attention else None
        self.to_map = nn.Conv2d(cfg.hidden[-1], 1, 3, padding=1)
        self.head = None
        if cfg.decoder == "fc":
            self.head = OutputHead(
                cfg.decoder_grid**2,
                tuple(cfg.fc_dims),
                cfg.out_shape(),
                (),
                cfg.leaky_slope,
                cfg.fc_dropout,
                cfg.head_norm,
            )

    def decode(self, hid: torch.Tensor) -> torch.Tensor:
        """hid (B, C, H, W) -> image (B, H_out, W_out) or points (B, K, 2)."""
        m = self.to_map(hid)  # (B, 1, H, W)
        if self.head is None:
            size = (self.config.out_h, self.config.out_w)
            m = F.interpolate(m, size=size, mode="bilinear", align_corners=False)
            return m.squeeze(1)  # (B, 1, H_out, W_out) -> (B, H_out, W_out)
        g = grid_pool(m, self.config.decoder_grid)  # (B, 1, g, g); exports at every size
        return self.head(g.flatten(1))  # (B, 1, g, g) -> (B, g*g) -> output

    def forward(self, frames: torch.Tensor, flow: torch.Tensor | None = None) -> torch.Tensor:
        """frames (B, N, 1, H, W) -> (B, H_out, W_out) / (B, K, 2), or per step
        (B, N, H_out, W_out) / (B, N, K, 2) for target_position all. `flow` is ignored."""
        n, size = self.config.n_frames, self.config.in_size
        if frames.dim() != 5 or tuple(frames.shape[1:]) != (n, 1, size, size):
            raise ValueError(f"frames: expected (B, {n}, 1, {size}, {size}), got {frames.shape}")
        x = frames
        for cell in self.cells:
            x = cell(x)  # (B, N, Ch, H, W)
        b, n, c, h, w = x.shape
        if self.attention is not None:
            _, a = self.attention(x.mean(dim=(3, 4)))  # pooled (B, N, C) -> weights (B, N)
            x = x * a.view(
                b, n, 1, 1, 1
            )  # weights (B, N) -> (B, N, 1, 1, 1); x stays (B, N, C, H, W)
        if self.config.target_position == "all":
            out = self.decode(x.reshape(b * n, c, h, w))  # (B*N, C, H, W) -> (B*N, *out)
            return out.view(b, n, *out.shape[1:])  # (B, N, *out)
        summary = x.mean(dim=1) if self.attention is not None else x[:, -1]  # (B, C, H, W)
        return self.decode(summary)

    def onnx_parts(self) -> dict[str, Part]:
        """The ONNX export: one graph, frames (B, N, 1, H, W) -> y (B, *out) (B, N, *out for
        target_position all); H = W = in_size and N are fixed."""
        c = self.config
        frames = torch.zeros(2, c.n_frames, 1, c.in_size, c.in_size)
        out = list(c.out_shape())
        y = ["B", c.n_frames, *out] if c.target_position == "all" else ["B", *out]
        return {"model": Part(Call(self, "forward"), (frames,),
                              {"frames": ["B", c.n_frames, 1, c.in_size, c.in_size]}, {"y": y})}


def build_convlstm(cfg: dict[str, Any] | ConvLstmConfig | None = None) -> ConvLstm:
    """Build the ConvLSTM baseline from a config or a partial dict (defaults: paper baseline)."""
    if not isinstance(cfg, ConvLstmConfig):
        cfg = build_config(ConvLstmConfig, cfg or {})
    return ConvLstm(cfg)
