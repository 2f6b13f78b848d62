"""phone2face: bidirectional GRUs from frame-wise phone one-hots to 3-D marker coordinates.

One model, assembled from its config:
    phones (B, T) -> one-hot (B, T, P) [+ timing (B, T, 2)] -> GRU stack -> (B, T, 2*hidden)
    decoder "dense":  features -> Linear -> (B, T, n_out)                       (the baseline)
    decoder "latent": features -> Linear -> [sigmoid] -> latent (B, T, latent_dim)
                      -> latent decoder (one Linear, or the autoencoder's MLP) -> (B, T, n_out)

A latent decoder starts random or is filled from a fitted basis (PCA, blendshapes, autoencoder)
with `inject_decoder`: fit a basis on the training markers, then copy it into the weights.

With `timing` on, each frame's input also carries its position within the current phone run and
the run's duration (`artimap.models.phone_timing`), computed inside the model from the phone ids
and lengths, so datasets, checkpoints and ONNX exports take the same phone ids as without.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from artimap.config import build_config, check_ranges
from artimap.errors import ArtimapError
from artimap.models.bases import AutoencoderBasis, LinearBasis, fill_linear
from artimap.models.export import Part, phone_sequence_parts
from artimap.models.latent_decoder import final_linear, in_float32, latent_decoder
from artimap.models.phone_timing import N_TIMING, phone_timing


@dataclass
class Phone2FaceConfig:
    """Architecture of the phone2face recurrent model."""

    n_phones: int = 40  # P: size of the phone inventory (width of the one-hot input)
    n_out: int = 132  # values per frame: M markers x 3
    hidden: int = 128  # GRU units per direction
    layers: int = 2  # stacked GRU layers
    bidirectional: bool = True  # GRUs in both directions (False: causal, for streaming use)
    dropout: float = 0.0  # dropout between GRU layers and on the GRU output
    decoder: Literal["dense", "latent"] = "dense"  # dense: GRU -> outputs; latent: via a code
    latent_dim: int = 13  # size of the latent code (latent decoder only)
    latent_activation: Literal["none", "sigmoid"] = "none"  # on the code; autoencoder: sigmoid
    decoder_hidden: tuple[int, ...] = ()  # latent decoder widths: () one Linear; (64, 64) AE
    init: Literal["random", "injected"] = "random"  # decoder start; inject_decoder sets it
    freeze_decoder: bool = False  # keep the latent decoder fixed while training
    # per frame, position in the phone run and its duration beside the one-hot (phone_timing);
    # adjacent tokens of one phone merge into one run
    timing: bool = False
    fps: float = 30.0  # frame rate of the phone ids: timing durations in seconds (task: data's)

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {
            "n_phones": ">= 1", "n_out": ">= 1", "hidden": ">= 1", "layers": ">= 1",
            "dropout": "in [0, 1)", "latent_dim": ">= 1", "decoder_hidden": ">= 1", "fps": "> 0"})


class Phone2FaceBiGRU(nn.Module):
    """Frame-wise regression from phone ids to marker coordinates."""

    def __init__(self, config: Phone2FaceConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        if c.timing and c.fps <= 0:
            raise ArtimapError(f"model fps: expected a positive frame rate, got {c.fps}")
        self.gru = nn.GRU(
            c.n_phones + (N_TIMING if c.timing else 0), c.hidden, num_layers=c.layers,
            batch_first=True,
            bidirectional=c.bidirectional, dropout=c.dropout if c.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(c.dropout)
        width = c.hidden * (2 if c.bidirectional else 1)
        if c.decoder == "dense":
            self.head = nn.Linear(width, c.n_out)
        else:
            self.to_latent = nn.Linear(width, c.latent_dim)
            self.decoder = latent_decoder(c.latent_dim, c.decoder_hidden, c.n_out)
            self.decoder.requires_grad_(not c.freeze_decoder)

    def features(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """GRU outputs (B, T, hidden * directions) for phone ids (B, T) and lengths (B,).

        Frames at or after a sequence's length are zeros (before the output layers).
        """
        x = F.one_hot(phones.clamp(min=0), self.config.n_phones)  # (B, T, P)
        x = x.to(self.gru.weight_ih_l0.dtype)
        if self.config.timing:
            timing = phone_timing(phones, self.config.fps, lengths)  # (B, T, 2)
            x = torch.cat([x, timing.to(x.dtype)], dim=-1)  # (B, T, P + 2)
        if lengths is None:
            out, _ = self.gru(x)  # (B, T, H*dirs)
        else:
            packed = pack_padded_sequence(
                x, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            out, _ = self.gru(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.drop(out)

    def latent(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Latent codes (B, T, latent_dim) (latent decoder only)."""
        if self.config.decoder != "latent":
            raise ArtimapError("latent codes exist only with decoder: latent")
        z = in_float32(self.to_latent, self.features(phones, lengths))  # (B, T, latent_dim)
        return torch.sigmoid(z) if self.config.latent_activation == "sigmoid" else z

    def forward(self, phones: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Marker coordinates (B, T, n_out) for phone ids (B, T) with valid lengths (B,).

        Everything after the GRU (the code layer and either decoder) runs in float32 even under
        autocast: with `normalise: none` the outputs are capture-space coordinates near 1500 mm,
        which float16 would round to 1 mm and bfloat16 to 8 mm, more than the errors being
        learned; codes in half precision would carry that rounding into the decoder.
        """
        if self.config.decoder == "dense":
            return in_float32(self.head, self.features(phones, lengths))
        return in_float32(self.decoder, self.latent(phones, lengths))

    def onnx_parts(self) -> dict[str, Part]:
        """The ONNX export: one graph, phones (B, T) -> y (B, T, n_out)."""
        return phone_sequence_parts(self)


def build(config: dict | Phone2FaceConfig | None = None) -> Phone2FaceBiGRU:
    """Registry builder: a randomly initialised model from a (partial) plain config dict."""
    if not isinstance(config, Phone2FaceConfig):
        config = build_config(Phone2FaceConfig, config or {})
    return Phone2FaceBiGRU(config)


def inject_decoder(
    model: Phone2FaceBiGRU, basis: LinearBasis | AutoencoderBasis
) -> Phone2FaceBiGRU:
    """Fill the latent decoder's weights from a fitted basis; returns `model` (changed in place).

    LinearBasis (PCA, blendshapes): weight (D, k) and bias (D,) into the single Linear layer.
    AutoencoderBasis: its decoder's state_dict into the decoder stack of the same shape.
    """
    c = model.config
    if c.decoder != "latent":
        raise ArtimapError("inject_decoder: the model has a dense decoder; set decoder: latent")
    if basis.dim != c.n_out or basis.latent_dim != c.latent_dim:
        raise ArtimapError(
            f"inject_decoder: basis maps {basis.latent_dim} -> {basis.dim} values but the model "
            f"decodes {c.latent_dim} -> {c.n_out}; set latent_dim/n_out to match"
        )
    if isinstance(basis, LinearBasis):
        if c.decoder_hidden:
            raise ArtimapError("inject_decoder: a linear basis needs decoder_hidden: []")
        fill_linear(final_linear(model.decoder), basis)
    else:
        if tuple(c.decoder_hidden) != tuple(basis.hidden):
            raise ArtimapError(
                f"inject_decoder: the autoencoder's decoder has hidden widths "
                f"{list(basis.hidden)}; set decoder_hidden to {list(basis.hidden)}"
            )
        if c.latent_activation != "sigmoid":
            raise ArtimapError(
                "inject_decoder: the autoencoder's latent space is sigmoid-bounded; "
                "set latent_activation: sigmoid"
            )
        model.decoder.load_state_dict(basis.decoder.state_dict())
    model.config = dataclasses.replace(c, init="injected")
    return model


def make_model(
    config: Phone2FaceConfig, basis: LinearBasis | AutoencoderBasis | None = None
) -> Phone2FaceBiGRU:
    """Build a model and, when config.init is "injected", fill its decoder from `basis`."""
    model = build(config)
    if config.init == "injected":
        if basis is None:
            raise ArtimapError("model.init is injected but no basis was fitted; pass one")
        inject_decoder(model, basis)
    elif basis is not None:
        raise ArtimapError("a basis was given but model.init is random; set init: injected")
    return model


def sequence_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B, T) bool, True at frames before each sequence's length (B,)."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]
