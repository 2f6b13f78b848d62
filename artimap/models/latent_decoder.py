"""Latent-space decoders and the autoencoder that pretrains them.

Both sides build their layers with `mlp`, so an autoencoder's decoder and a model's latent
decoder have the same `state_dict` keys and one can be copied into the other directly.
Autoencoder (frames of D coordinates, code of k values, hidden widths h = (64, 64)):
    encoder D -> 64 -> 64 -> k, sigmoid code; decoder k -> 64 -> 64 -> D
    (every hidden layer Linear -> LayerNorm -> ReLU; the output layers are plain Linear).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from artimap.errors import ArtimapError


def mlp(sizes: Sequence[int], layer_norm: bool = True) -> nn.Sequential:
    """Linear layers sizes[0] -> ... -> sizes[-1] on the last axis: (..., C_in) -> (..., C_out).

    Every hidden layer is Linear -> LayerNorm -> ReLU; the last layer is a bare Linear, so
    `mlp([k, D])` is one linear map (the PCA / blendshape decoder).
    """
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least an input and an output size, got {list(sizes)}")
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            if layer_norm:
                layers.append(nn.LayerNorm(n_out))
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def latent_decoder(latent_dim: int, hidden: Sequence[int], n_out: int) -> nn.Sequential:
    """Decoder from a latent code to the outputs: (..., latent_dim) -> (..., n_out).

    `hidden` = () gives a single linear layer (weights = basis vectors, bias = mean or neutral
    shape); `hidden` = (64, 64) gives the autoencoder's decoder stack.
    """
    return mlp([latent_dim, *hidden, n_out])


def in_float32(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """layer(x) in float32 with autocast off: output layers keep mm precision under AMP.

    Coordinates in capture space (~1500 mm) would be rounded to 1 mm in float16 and to 8 mm
    in bfloat16, so a layer whose weights were themselves cast to half precision is refused.
    """
    half = {p.dtype for p in layer.parameters()} - {torch.float32}
    if half:
        raise ArtimapError(
            f"{type(layer).__name__} output layer holds {sorted(map(str, half))} weights: "
            "coordinates in mm need float32 outputs; keep the model in float32 (model.float()) "
            "and get mixed precision from the training config's amp setting instead"
        )
    with torch.autocast(x.device.type, enabled=False):
        return layer(x.float())


def final_linear(seq: nn.Sequential) -> nn.Linear:
    """The last Linear layer of an `mlp` (its output layer)."""
    return [m for m in seq if isinstance(m, nn.Linear)][-1]


def first_linear(seq: nn.Sequential) -> nn.Linear:
    """The first Linear layer of an `mlp` (its input layer)."""
    return [m for m in seq if isinstance(m, nn.Linear)][0]


@dataclass
class AutoencoderBasis:
    """A trained autoencoder of face frames; input and output scaling are folded into the
    first encoder and last decoder layers, so both sides work in the units of the data (mm)."""

    encoder: nn.Sequential  # (..., D) -> (..., k) in [0, 1]
    decoder: nn.Sequential  # (..., k) -> (..., D)
    hidden: tuple[int, ...]  # decoder hidden widths (the encoder's, reversed)

    @property
    def dim(self) -> int:
        return final_linear(self.decoder).out_features

    @property
    def latent_dim(self) -> int:
        return first_linear(self.decoder).in_features

    @torch.no_grad()
    def encode(self, X: np.ndarray) -> np.ndarray:
        """Codes (F, k) of frames X (F, D)."""
        return self.encoder(torch.as_tensor(np.asarray(X), dtype=torch.float32)).double().numpy()

    @torch.no_grad()
    def decode(self, Z: np.ndarray) -> np.ndarray:
        """Frames (F, D) from codes Z (F, k)."""
        return self.decoder(torch.as_tensor(np.asarray(Z), dtype=torch.float32)).double().numpy()

    def to_state(self) -> dict[str, Any]:
        """Tensors and plain values for a checkpoint."""
        return {
            "kind": "autoencoder",
            "dim": self.dim,
            "latent_dim": self.latent_dim,
            "hidden": list(self.hidden),
            "encoder": {k: v.detach().cpu() for k, v in self.encoder.state_dict().items()},
            "decoder": {k: v.detach().cpu() for k, v in self.decoder.state_dict().items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> AutoencoderBasis:
        hidden = tuple(state["hidden"])
        enc, dec = build_autoencoder(state["dim"], state["latent_dim"], hidden)
        enc.load_state_dict(state["encoder"])
        dec.load_state_dict(state["decoder"])
        return cls(enc.eval(), dec.eval(), hidden)


def build_autoencoder(
    dim: int, latent_dim: int, hidden: Sequence[int]
) -> tuple[nn.Sequential, nn.Sequential]:
    """(encoder D -> hidden -> k with a sigmoid code, decoder k -> reversed hidden -> D)."""
    encoder = nn.Sequential(*mlp([dim, *hidden, latent_dim]), nn.Sigmoid())
    decoder = latent_decoder(latent_dim, tuple(reversed(hidden)), dim)
    return encoder, decoder


def fit_autoencoder(
    X: np.ndarray,
    latent: int = 13,
    hidden: int = 64,
    layers: int = 2,
    epochs: int = 100,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
) -> AutoencoderBasis:
    """Train an autoencoder on frames X (F, D) with MSE and Adam; deterministic given `seed`.

    Inputs are centred per coordinate and divided by one global scale (so the loss keeps the
    relative weight of the coordinates, as an error in mm does); both are folded into the
    returned networks. Uses its own generator: the global torch RNG is left untouched.
    """
    X = np.asarray(X, dtype=np.float32)
    mean = X.mean(axis=0)  # (D,)
    scale = float((X - mean).std()) or 1.0  # of the centred frames: offsets must not count
    data = torch.from_numpy((X - mean) / scale)  # (F, D)
    widths = (hidden,) * layers
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder, decoder = build_autoencoder(X.shape[1], latent, widths)
        params = [*encoder.parameters(), *decoder.parameters()]
        opt = torch.optim.Adam(params, lr=lr)
        for _ in range(epochs):
            for idx in torch.randperm(len(data)).split(batch_size):
                batch = data[idx]  # (b, D)
                loss = torch.nn.functional.mse_loss(decoder(encoder(batch)), batch)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    _fold_scaling(encoder, decoder, torch.from_numpy(mean), scale)
    return AutoencoderBasis(encoder.eval(), decoder.eval(), tuple(reversed(widths)))


@torch.no_grad()
def _fold_scaling(encoder: nn.Sequential, decoder: nn.Sequential, mean: torch.Tensor,
                  scale: float) -> None:
    """Make the networks take and give raw units: x_n = (x - mean) / scale inside."""
    first = first_linear(encoder)  # W (x - m) / s + b = (W / s) x + (b - W m / s)
    first.bias -= first.weight @ (mean / scale)
    first.weight /= scale
    last = final_linear(decoder)  # s (W z + b) + m
    last.weight *= scale
    last.bias.mul_(scale).add_(mean)
