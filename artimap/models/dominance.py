"""phone2face dominance model: Cohen & Massaro's (1993) coarticulation model, learnt end to end.

The classic parametric account of visual-speech coarticulation. Every phone v has, for each of
`dims` hidden articulatory parameters d, a target T_vd, a dominance magnitude a_vd and two
decay rates (before and after the phone's centre). Each phone token i (a run of equal ids in
the frame-wise input, centred at c_i seconds) pulls parameter d towards its target with the
weight D_id(t), and the state is the dominance-weighted mean of the targets:

    D_id(t) = a_vd exp(-theta_vd |t - c_i|^k)        theta before or after c_i, v = phone of i
    z_d(t)  = sum_i D_id(t) T_vd / sum_i D_id(t)      (B, T, dims)
    y(t)    = W z(t) + b [+ MLP(z(t))]                (B, T, n_out) marker coordinates

The weights are a softmax over tokens of log a - theta |t - c|^k, so no dominance underflows.
Each frame blends its own token and the `reach` tokens either side (16: ~1.5 s of speech, where
a dominance decaying at 5/s has fallen below 1e-3 of its peak), so time and memory grow with
the utterance's length, not its square: an hour of phones runs in one pass.
Targets start near zero, which the decoder maps near its bias: with centred data, a phone
that training never pulls elsewhere (one absent from the train split) stays near the mean face.
Four numbers per phone and hidden parameter and a small decoder (~10 k parameters with the
defaults) instead of a recurrent network: it generalises from little data but can only express
what a dominance blend of per-phone targets can (no token-specific context beyond the blend).
Adjacent tokens of one phone merge into one run, as in `artimap.models.phone_timing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from artimap.config import build_config, check_ranges
from artimap.errors import ArtimapError
from artimap.models.export import Part, phone_sequence_parts
from artimap.models.latent_decoder import in_float32
from artimap.models.phone_timing import run_index


@dataclass
class DominanceConfig:
    """Architecture of the dominance model."""

    n_phones: int = 40  # P: size of the phone inventory
    n_out: int = 132  # values per frame: M markers x 3
    dims: int = 8  # hidden articulatory parameters blended by dominance
    exponent: float = 1.0  # k in |t - c|^k (Cohen & Massaro's c)
    rate: float = 10.0  # initial decay rate theta, per second (dominance 1/e at 0.1 s)
    decoder_hidden: int = 64  # units of the nonlinear part of the decoder (0: linear only)
    reach: int = 16  # tokens blended per frame: its own and this many runs either side
    fps: float = 30.0  # frame rate of the phone ids (the task sets the data's)

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {
            "n_phones": ">= 1", "n_out": ">= 1", "dims": ">= 1", "exponent": "> 0",
            "rate": "> 0", "decoder_hidden": ">= 0", "reach": ">= 1", "fps": "> 0"})


def phone_runs(phones: torch.Tensor, lengths: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Runs of equal ids in phone ids (B, T) (`phone_timing.run_index`), indexed r = 0..T-1
    (only the first few exist): their phone (B, T) long, centre (B, T) in frames (a run of
    frames s..s+n-1 is centred at s + (n - 1) / 2), valid (B, T) bool (a run with a frame before
    the sequence's length); and the run index of every frame (B, T) long."""
    B, T = phones.shape
    _, run, valid_t = run_index(phones, lengths)  # (B, T) each
    ones = torch.ones(B, T, device=phones.device) if valid_t is None else valid_t.float()
    steps = torch.arange(T, device=phones.device)
    size = torch.zeros(B, T, device=phones.device).scatter_add(1, run, ones)  # (B, R = T)
    total = torch.zeros(B, T, device=phones.device).scatter_add(1, run, steps * ones)
    centre = total / size.clamp(min=1.0)  # (B, T) mean frame index of each run
    ids = torch.zeros_like(phones).scatter(1, run, phones.clamp(min=0))  # (B, T)
    return ids, centre, size > 0, run


class Phone2FaceDominance(nn.Module):
    """Phone ids (B, T) -> marker coordinates (B, T, n_out) through a learnt dominance blend."""

    def __init__(self, config: DominanceConfig) -> None:
        super().__init__()
        c = self.config = config
        if c.fps <= 0 or c.dims < 1 or c.exponent <= 0 or c.rate <= 0 or c.reach < 1:
            raise ArtimapError(
                f"dominance model: fps, dims, exponent, rate and reach must be positive, got "
                f"{c.fps}, {c.dims}, {c.exponent}, {c.rate}, {c.reach}")
        shape = (c.n_phones, c.dims)
        self.target = nn.Parameter(0.01 * torch.randn(shape))  # T_vd: near the mean face
        self.log_a = nn.Parameter(torch.zeros(shape))  # log a_vd
        log_rate = math.log(c.rate)
        self.log_theta_before = nn.Parameter(torch.full(shape, log_rate))
        self.log_theta_after = nn.Parameter(torch.full(shape, log_rate))
        self.out = nn.Linear(c.dims, c.n_out)
        self.mlp = None
        if c.decoder_hidden > 0:
            self.mlp = nn.Sequential(nn.Linear(c.dims, c.decoder_hidden), nn.Tanh(),
                                     nn.Linear(c.decoder_hidden, c.n_out))

    def state(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The blended articulatory state z (B, T, dims) for phone ids (B, T), lengths (B,):
        every frame blends the tokens up to `reach` runs either side of its own."""
        c = self.config
        ids, centre, run_ok, run = phone_runs(phones, lengths)  # (B, T) each
        B, T = phones.shape
        near = run[:, :, None] + torch.arange(-c.reach, c.reach + 1, device=phones.device)
        last = run[:, -1:, None]  # (B, 1, 1) the last run of each sequence
        inside = (near >= 0) & (near <= last)  # (B, T, J)
        near = torch.minimum(near.clamp(min=0), last).reshape(B, -1)  # (B, T * J)
        ok = inside & run_ok.gather(1, near).view(inside.shape)
        ph = ids.gather(1, near).view(inside.shape)  # (B, T, J) phone of each nearby token
        t = torch.arange(T, device=phones.device, dtype=torch.float32)
        dt = (t[None, :, None] - centre.gather(1, near).view(inside.shape)) / c.fps  # seconds
        dist = (dt.abs() if c.exponent == 1.0 else dt.abs().pow(c.exponent))[..., None]
        theta = torch.where(  # (B, T, J, dims): anticipation before the centre
            (dt < 0)[..., None], self.log_theta_before[ph].exp(), self.log_theta_after[ph].exp())
        logits = (self.log_a[ph] - theta * dist).masked_fill(~ok[..., None], -1e9)
        w = F.softmax(logits, dim=2)  # (B, T, J, dims) weights over the nearby tokens
        return (w * self.target[ph]).sum(dim=2)  # (B, T, dims)

    def forward(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Marker coordinates (B, T, n_out) for phone ids (B, T) with valid lengths (B,);
        frames at or after a sequence's length blend the last tokens (callers mask them)."""
        z = self.state(phones, lengths)  # (B, T, dims)
        y = in_float32(self.out, z)
        if self.mlp is not None:
            y = y + in_float32(self.mlp, z)
        return y

    def onnx_parts(self) -> dict[str, Part]:
        """The ONNX export: one graph, phones (B, T) -> y (B, T, n_out)."""
        return phone_sequence_parts(self)


def build(config: dict | DominanceConfig | None = None) -> Phone2FaceDominance:
    """Registry builder: a randomly initialised model from a (partial) plain config dict."""
    if not isinstance(config, DominanceConfig):
        config = build_config(DominanceConfig, config or {})
    return Phone2FaceDominance(config)
