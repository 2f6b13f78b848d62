"""phone2face sliding-window baseline: a feed-forward net over a fixed window of phones.

In the manner of Taylor et al. (SIGGRAPH 2017): every frame t sees the one-hot phones of the
`in_window` frames centred on t, passes them through fully connected layers, and predicts the
outputs of the `out_window` frames centred on t; each frame's prediction is the average of the
overlapping predictions that cover it. Coarticulation is limited to what the window sees,
which is the contrast with the recurrent model.

    phones (B, T) -> one-hot (B, P, T) -> Conv1d(kernel in_window)   # = dense layer on a window
        -> tanh -> [Conv1d(kernel 1) -> tanh] x (layers - 1) -> Conv1d(kernel 1)
        -> (B, out_window, n_out, T) -> overlap-average -> (B, T, n_out)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from artimap.config import build_config, check_ranges
from artimap.errors import ArtimapError
from artimap.models.bigru import sequence_mask
from artimap.models.export import Part, phone_sequence_parts
from artimap.models.latent_decoder import in_float32


@dataclass
class WindowConfig:
    """Architecture of the sliding-window baseline."""

    n_phones: int = 40  # P: size of the phone inventory (width of the one-hot input)
    n_out: int = 132  # values per frame: M markers x 3
    in_window: int = 45  # input frames per prediction (odd; 45 at 120 fps = 11 at 30 fps)
    out_window: int = 21  # output frames predicted per position (odd; averaged where overlapping)
    hidden: int = 1024  # units per hidden layer
    layers: int = 3  # hidden layers
    dropout: float = 0.5  # dropout after every hidden layer

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {
            "n_phones": ">= 1", "n_out": ">= 1", "in_window": ">= 1", "out_window": ">= 1",
            "hidden": ">= 1", "layers": ">= 1", "dropout": "in [0, 1)"})


class Phone2FaceWindow(nn.Module):
    """Frame-wise regression from phone ids to marker coordinates through a fixed window."""

    def __init__(self, config: WindowConfig) -> None:
        super().__init__()
        c = self.config = config
        if c.in_window % 2 == 0 or c.out_window % 2 == 0:
            raise ArtimapError("in_window and out_window must be odd (centred on the frame)")
        convs = [nn.Conv1d(c.n_phones, c.hidden, c.in_window, padding=c.in_window // 2)]
        convs += [nn.Conv1d(c.hidden, c.hidden, 1) for _ in range(c.layers - 1)]
        self.hidden = nn.ModuleList(convs)
        self.drop = nn.Dropout(c.dropout)
        self.out = nn.Conv1d(c.hidden, c.out_window * c.n_out, 1)

    def forward(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Marker coordinates (B, T, n_out) for phone ids (B, T) with valid lengths (B,)."""
        c = self.config
        B, T = phones.shape
        valid = torch.ones(B, T, dtype=torch.bool, device=phones.device)  # (B, T)
        if lengths is not None:
            valid = sequence_mask(lengths.to(phones.device), T)
        x = F.one_hot(phones.clamp(min=0), c.n_phones).to(self.out.weight.dtype)  # (B, T, P)
        h = (x * valid[..., None]).transpose(1, 2)  # (B, P, T); padding frames are silent
        for conv in self.hidden:
            h = self.drop(torch.tanh(conv(h)))  # (B, hidden, T)
        y = in_float32(self.out, h).view(B, c.out_window, c.n_out, T)  # slot j: frame t+j-W//2
        return _overlap_average(y, valid.to(y.dtype)).transpose(1, 2)  # (B, T, n_out)

    def onnx_parts(self) -> dict[str, Part]:
        """The ONNX export: one graph, phones (B, T) -> y (B, T, n_out)."""
        return phone_sequence_parts(self, self.config.in_window)


def _overlap_average(y: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Average window predictions y (B, W, D, T) per target frame: (B, D, T).

    Only predictions made at valid centres (valid (B, T) = 1) count.
    """
    W = y.shape[1]
    num = torch.zeros_like(y[:, 0])  # (B, D, T)
    den = torch.zeros_like(valid)  # (B, T)
    for j in range(W):
        s = j - W // 2  # this slot predicts the frame s steps after its centre
        num = num + _shift(y[:, j] * valid[:, None, :], s)
        den = den + _shift(valid, s)
    return num / den.clamp(min=1.0)[:, None, :]


def _shift(a: torch.Tensor, s: int) -> torch.Tensor:
    """b[..., u] = a[..., u - s] on the last axis, zeros where u - s is outside."""
    T = a.shape[-1]
    if s == 0:
        return a
    if abs(s) >= T:
        return torch.zeros_like(a)
    return F.pad(a[..., : T - s], (s, 0)) if s > 0 else F.pad(a[..., -s:], (0, -s))


def build(config: dict | WindowConfig | None = None) -> Phone2FaceWindow:
    """Registry builder: a randomly initialised model from a (partial) plain config dict."""
    if not isinstance(config, WindowConfig):
        config = build_config(WindowConfig, config or {})
    return Phone2FaceWindow(config)
