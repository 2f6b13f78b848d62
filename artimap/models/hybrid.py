"""phone2face hybrid: a learnt dominance blend plus a bidirectional-GRU correction.

The dominance model (`artimap.models.dominance`) generalises from little data but can only say
what a blend of per-phone targets can; the BiGRU with phone timing can say more but learns it
from the data alone. The hybrid adds them:

    z(t)  = dominance state (B, T, dims)                     the blend of the phones' targets
    y0(t) = dominance decoder(z)                             (B, T, n_out) as the dominance model
    h(t)  = BiGRU([one-hot, timing, z])                      (B, T, 2 * hidden)
    y(t)  = y0(t) + Linear(h(t))                             the correction starts at zero

Both parts train together from the first step. The correction layer starts at zero, so an
untrained hybrid is the untrained dominance model; where the data coarticulate as a blend the
correction stays small, where they do not (e.g. a talker that tracks targets with a lag) the GRU
sees the phones, their timing and the blend, and learns what the blend misses.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from artimap.config import build_config, check_ranges
from artimap.models.dominance import DominanceConfig, Phone2FaceDominance
from artimap.models.export import Part, phone_sequence_parts
from artimap.models.latent_decoder import in_float32
from artimap.models.phone_timing import N_TIMING, phone_timing


@dataclass
class HybridConfig:
    """Architecture of the hybrid: the dominance part's fields, then the correction's."""

    n_phones: int = 40  # P: size of the phone inventory
    n_out: int = 132  # values per frame: M markers x 3
    dims: int = 8  # hidden articulatory parameters blended by dominance
    exponent: float = 1.0  # k in |t - c|^k of the dominance functions
    rate: float = 10.0  # initial decay rate theta, per second
    decoder_hidden: int = 64  # units of the dominance decoder's nonlinear part (0: linear)
    reach: int = 16  # tokens blended per frame either side of its own
    fps: float = 30.0  # frame rate of the phone ids (the task sets the data's)
    hidden: int = 64  # GRU units per direction of the correction
    layers: int = 2  # stacked GRU layers of the correction
    dropout: float = 0.0  # dropout between the GRU layers and on the GRU output

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {"hidden": ">= 1", "layers": ">= 1",
                                            "dropout": "in [0, 1)"})
        self.dominance()  # the dominance part's own checks, when the config is read

    def dominance(self) -> DominanceConfig:
        """The dominance part's config (checked by its own ranges)."""
        return DominanceConfig(n_phones=self.n_phones, n_out=self.n_out, dims=self.dims,
                               exponent=self.exponent, rate=self.rate,
                               decoder_hidden=self.decoder_hidden, reach=self.reach,
                               fps=self.fps)


class Phone2FaceHybrid(nn.Module):
    """Phone ids (B, T) -> marker coordinates (B, T, n_out): dominance blend + GRU correction."""

    def __init__(self, config: HybridConfig) -> None:
        super().__init__()
        c = self.config = config
        self.blend = Phone2FaceDominance(c.dominance())
        self.gru = nn.GRU(c.n_phones + N_TIMING + c.dims, c.hidden, num_layers=c.layers,
                          batch_first=True, bidirectional=True,
                          dropout=c.dropout if c.layers > 1 else 0.0)
        self.drop = nn.Dropout(c.dropout)
        self.correction = nn.Linear(2 * c.hidden, c.n_out)
        nn.init.zeros_(self.correction.weight)  # the hybrid starts as the dominance model
        nn.init.zeros_(self.correction.bias)

    def _gru(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """GRU outputs (B, T, 2 * hidden) of inputs x (B, T, F), packed by lengths (B,)."""
        if lengths is None:
            return self.gru(x)[0]
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]

    def forward(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Marker coordinates (B, T, n_out) for phone ids (B, T) with valid lengths (B,)."""
        c = self.config
        z = self.blend.state(phones, lengths)  # (B, T, dims)
        y = in_float32(self.blend.out, z)
        if self.blend.mlp is not None:
            y = y + in_float32(self.blend.mlp, z)
        x = F.one_hot(phones.clamp(min=0), c.n_phones).to(z.dtype)  # (B, T, P)
        timing = phone_timing(phones, c.fps, lengths).to(z.dtype)  # (B, T, 2)
        h = self._gru(torch.cat([x, timing, z], dim=-1), lengths)  # (B, T, 2 * hidden)
        return y + in_float32(self.correction, self.drop(h))

    def onnx_parts(self) -> dict[str, Part]:
        """The ONNX export: one graph, phones (B, T) -> y (B, T, n_out)."""
        return phone_sequence_parts(self)


def build(config: dict | HybridConfig | None = None) -> Phone2FaceHybrid:
    """Registry builder: a randomly initialised model from a (partial) plain config dict."""
    if not isinstance(config, HybridConfig):
        config = build_config(HybridConfig, config or {})
    return Phone2FaceHybrid(config)
