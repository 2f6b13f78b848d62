"""Acoustic-to-articulatory inversion: log-mel frames -> articulator values at chosen frames.

    mel (B, T, M) -> Conv1d front end over 2k+1 frames (k = `context`) -> ReLU
        -> LSTM (bidirectional, or causal: unidirectional) -> (B, T, H)
        -> gathered at each target's mel frame (B, N) -> [Linear -> code (B, N, K)]
        -> Linear `out` -> (B, N, D)

The output is computed at the mel frame rate and read at the mel frame of each target, so the
targets keep their own frame times. Causal variant (`causal: true`): the front end sees only
past frames and the LSTM runs forwards, and the output of a target at mel frame t is read from
frame t + `lookahead`: it depends on the audio up to t + L frames (10 ms each) and never after.
With `code_dim` > 0 a K-unit bottleneck comes before `out`, so that `out` can be filled with a
PCA basis of the training targets (eigentongues for images; `artimap.models.bases`).
Exports to ONNX as one graph (`onnx_parts`); standardisation stays outside, as around torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from artimap.config import build_config, check_ranges
from artimap.models.export import Call, Part

TINY_INVERSION = {"front": 16, "hidden": 16, "layers": 1, "dropout": 0.0}


@dataclass
class InversionConfig:
    """Architecture of the inversion model."""

    n_mels: int = 80  # M: log-mel bands per input frame
    n_out: int = 28  # D: values per target frame (K points x 2, pixels of an image, ...)
    context: int = 2  # k: the front end sees frames t-k..t+k (causal: t-2k..t)
    front: int = 128  # channels of the front end
    hidden: int = 128  # LSTM units per direction
    layers: int = 2  # LSTM layers
    causal: bool = False  # unidirectional LSTM and a past-only front end
    lookahead: int = 0  # causal: frames of future audio each output may see (10 ms each)
    dropout: float = 0.1  # between LSTM layers and before the head
    code_dim: int = 0  # > 0: K-unit bottleneck before the output layer (PCA-filled images)

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {
            "n_mels": ">= 1", "n_out": ">= 1", "context": ">= 0", "front": ">= 1",
            "hidden": ">= 1", "layers": ">= 1", "lookahead": ">= 0", "dropout": "in [0, 1)",
            "code_dim": ">= 0"})


class InversionModel(nn.Module):
    """Log-mel frames -> targets at their mel frames (module doc)."""

    def __init__(self, config: InversionConfig) -> None:
        super().__init__()
        c = self.config = config
        self.front = nn.Conv1d(c.n_mels, c.front, 2 * c.context + 1)
        self.lstm = nn.LSTM(c.front, c.hidden, c.layers, batch_first=True,
                            bidirectional=not c.causal, dropout=c.dropout if c.layers > 1 else 0)
        width = c.hidden * (1 if c.causal else 2)
        self.drop = nn.Dropout(c.dropout)
        self.code = nn.Linear(width, c.code_dim) if c.code_dim else None
        self.out = nn.Linear(c.code_dim or width, c.n_out)

    def zero_output(self) -> None:
        """Output layer at zero: an untrained model predicts the (normalised) training mean."""
        with torch.no_grad():
            self.out.weight.zero_()
            self.out.bias.zero_()

    def frames(self, mel: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Features of every mel frame: mel (B, T, M) -> (B, T, H); `lengths` (B,) of padded
        batches (bidirectional: the backward pass starts at each sequence's own end)."""
        c = self.config
        k = c.context
        x = mel.transpose(1, 2)  # (B, M, T)
        x = F.pad(x, (2 * k, 0) if c.causal else (k, k))  # causal: past frames only
        x = torch.relu(self.front(x)).transpose(1, 2)  # (B, T, C)
        if lengths is None or c.causal:  # padding after a sequence cannot reach back
            return self.lstm(x)[0]
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.lstm(packed)
        return nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                total_length=x.shape[1])[0]

    def forward(self, mel: torch.Tensor, index: torch.Tensor,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
        """mel (B, T, M), index (B, N) int64 mel frame of each target -> (B, N, D)."""
        h = self.frames(mel, lengths)  # (B, T, H)
        # the last frame as a tensor op (not a Python int), so an ONNX graph keeps T dynamic
        last = (lengths - 1) if lengths is not None else \
            torch.ones_like(h[:, :, 0]).sum(1).long() - 1  # (B,)
        at = index + self.config.lookahead if self.config.causal else index
        at = torch.minimum(at.clamp(min=0), last.to(at.device)[:, None])  # (B, N)
        picked = torch.gather(h, 1, at[..., None].expand(-1, -1, h.shape[-1]))  # (B, N, H)
        z = self.drop(picked)
        if self.code is not None:
            z = self.code(z)  # (B, N, K)
        return self.out(z)  # (B, N, D)


    def onnx_parts(self) -> dict[str, Part]:
        """ONNX export (`artimap.models.export`), one part: "model" mel (B, T, M) standardised
        log-mel, index (B, N) int64 -> y (B, N, D) standardised targets (B, T, N dynamic)."""
        c = self.config
        example = (torch.zeros(1, 50, c.n_mels), torch.arange(0, 40, 4)[None])
        return {"model": Part(Call(self, "forward"), example,
                              {"mel": ["B", "T", c.n_mels], "index": ["B", "N"]},
                              {"y": ["B", "N", c.n_out]})}


def build(config: dict) -> InversionModel:
    """Registry builder: the inversion model from a plain config dict."""
    return InversionModel(build_config(InversionConfig, config))
