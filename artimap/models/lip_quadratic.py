"""A closed-form output term on the lip estimates of a TS-CNN-LSTM clip (`lip_quadratic` k > 0).

When the frame tower's first k features are trained to be the lips' parameters (lip2tongue's
`aux_lip_weight`), the best lip-only predictor of the tongue the talker allows (its lip oracle)
is a quadratic function of those parameters over the clip's frames. This term adds
`W q(x) + b` to the model's output, where x (B, S*k) are the first k frame features of each of
the S time steps mapped back through the tower's LeakyReLU (before it they are the estimates)
and q(x) = [x, x_i x_j for i <= j]. It has no gradient: it is zero until a ridge readout fills
it (lip2tongue's `readout: ridge`), so the network's training is the same with or without it.
"""

from __future__ import annotations

import torch
from torch import nn


class LipQuadratic(nn.Module):
    """steps (B, S, D_step) -> (B, out_dim); the frame features are the first k of each step."""

    def __init__(self, k: int, n_steps: int, out_dim: int, slope: float) -> None:
        super().__init__()
        self.k, self.slope = k, slope
        d = k * n_steps
        i, j = torch.triu_indices(d, d)
        self.register_buffer("pairs", torch.stack([i, j]), persistent=False)  # (2, d(d+1)/2)
        self.out = nn.Linear(d + i.numel(), out_dim)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.out.requires_grad_(False)

    @property
    def n_features(self) -> int:
        """Q = d + d(d+1)/2 inputs of the output layer (d = k * S)."""
        return self.out.in_features

    def features(self, steps: torch.Tensor) -> torch.Tensor:
        """steps (B, S, D_step) -> q(x) (B, Q): the estimates and their pairwise products."""
        f = steps[..., : self.k]  # (B, S, k): the frame tower's first k features, activated
        x = torch.where(f > 0, f, f / self.slope).flatten(1)  # (B, S*k) undo the LeakyReLU
        return torch.cat([x, x[:, self.pairs[0]] * x[:, self.pairs[1]]], dim=1)  # (B, Q)

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        """steps (B, S, D_step) -> (B, out_dim)."""
        return self.out(self.features(steps))
