"""TS-CNN-LSTM: two-stream (frames + optical flow) CNN towers, an LSTM, per-step attention.

Input: a clip of N grayscale mouth frames `frames` (B, N, 1, H, W) (paper: N = 7, 96 x 96) and
the N-1 flow fields between consecutive frames `flow` (B, N-1, 2, H, W), where flow[:, t] is the
(u, v) motion from frame t to frame t+1.

Per-frame encoders: the frame tower maps each frame to D features and the flow tower each flow
field to D features, independently (`encode_frames`, `encode_flows`), so a streaming predictor
can cache them. Time steps (config `flow_steps`):
  - "pair_next" (default): N steps; step t = [frame t features, features of the flow *into*
    frame t (flow[:, t-1])]; step 0 has no incoming flow in the clip and gets a zero flow vector.
  - "drop_first": N-1 steps; step t = [frame t+1, flow[:, t]]; frame 0 only feeds the flow.
Without flow (`use_flow` false) there are N steps of frame features only.

Per-step features (B, S, 2D) -> LSTM -> Y (B, S, Dy) -> attention a(t) = sigmoid(w . Y(t) + b),
Y'(t) = a(t) Y(t) -> fully connected head -> output:
  - target_position last|centre: Y' is flattened over steps (B, S * Dy) (or summed, config
    `temporal_pool`) and the head outputs one frame: image (B, H, W) or points (B, K, 2).
    last/centre only says which ultrasound frame the data pairs with the clip (`target_frames`).
  - target_position all: the head runs on every step: (B, S, H, W) or (B, S, K, 2); step s is
    aligned with clip frame `target_frames()[s]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from artimap.clip import target_offset
from artimap.config import build_config, check_ranges
from artimap.errors import ArtimapError
from artimap.models.blocks import ConvTower, OutputHead, StepAttention
from artimap.models.export import Call, Part
from artimap.models.lip_quadratic import LipQuadratic


@dataclass
class TSCnnLstmConfig:
    n_frames: int = 7  # N, lip frames per clip (the clip also holds N-1 flow fields)
    in_size: int = 96  # H = W of the square grayscale mouth crops
    tower_channels: tuple[int, ...] = (32, 64, 128)  # 3x3 conv layers of each tower
    tower_downsample: Literal["maxpool", "stride"] = "maxpool"  # halving after each conv layer
    tower_pool: int = 4  # adaptive average pooling grid (pool x pool) before a tower's FC
    feat_dim: int = 256  # D, per-frame features of each tower
    use_flow: bool = True  # false: frame tower only (the "raw frames"/"without flow" ablations)
    flow_steps: Literal["pair_next", "drop_first"] = "pair_next"  # step alignment, module doc
    lstm_hidden: int = 256  # LSTM hidden size per direction
    lstm_layers: int = 1  # stacked LSTM layers
    bidirectional: bool = False  # LSTM in both directions (outputs 2 * lstm_hidden)
    use_attention: bool = True  # sigmoid gate per time step on the LSTM outputs
    temporal_pool: Literal["flatten", "sum"] = "flatten"  # gated steps -> head (last/centre)
    target_position: Literal["last", "centre", "all"] = "last"  # predicted ultrasound frame(s)
    head: Literal["image", "points"] = "image"  # output: image (H, W) or points (K, 2)
    out_h: int = 64  # image head: target height
    out_w: int = 128  # image head: target width
    n_points: int = 11  # points head: K contour points
    fc_dims: tuple[int, ...] = (512, 128)  # FC layers after the LSTM; the last is linear
    decoder_channels: tuple[int, ...] = ()  # image head: upconv decoder; () = Linear to H * W
    leaky_slope: float = 0.3  # LeakyReLU negative slope
    conv_dropout: float = 0.25  # dropout after conv layers
    fc_dropout: float = 0.5  # dropout after fully connected layers
    lip_quadratic: int = 0  # k > 0: add a closed-form quadratic term on the first k frame
    #   features of every step (models/lip_quadratic.py; filled by a ridge readout)

    def __post_init__(self) -> None:
        check_ranges(self, "model_config", {
            "n_frames": ">= 1", "in_size": ">= 1", "tower_channels": ">= 1", "tower_pool": ">= 1",
            "feat_dim": ">= 1", "lstm_hidden": ">= 1", "lstm_layers": ">= 1", "out_h": ">= 1",
            "out_w": ">= 1", "n_points": ">= 1", "fc_dims": ">= 1", "decoder_channels": ">= 1",
            "leaky_slope": ">= 0", "conv_dropout": "in [0, 1)", "fc_dropout": "in [0, 1)",
            "lip_quadratic": ">= 0"})
        if self.n_frames < (2 if self.use_flow else 1):
            raise ArtimapError(f"n_frames: need >= 2 with flow, got {self.n_frames}")
        if self.lip_quadratic and (self.target_position == "all"
                                   or not 0 < self.lip_quadratic <= self.feat_dim):
            raise ArtimapError(f"lip_quadratic: {self.lip_quadratic} needs target_position "
                               f"last or centre and 0 < k <= feat_dim ({self.feat_dim})")
        if self.in_size < 2 ** len(self.tower_channels):
            raise ArtimapError(
                f"in_size: {self.in_size} is too small for {len(self.tower_channels)} "
                "halving tower layers; use fewer tower_channels or a larger in_size"
            )

    @property
    def first_step_frame(self) -> int:
        """Clip frame index of time step 0 (1 with flow and flow_steps drop_first, else 0)."""
        return 1 if self.use_flow and self.flow_steps == "drop_first" else 0

    @property
    def n_steps(self) -> int:
        """S, LSTM time steps per clip."""
        return self.n_frames - self.first_step_frame

    def target_frames(self) -> list[int]:
        """Clip frame indices the output is aligned with (one per output frame)."""
        if self.target_position != "all":
            return [target_offset(self.n_frames, self.target_position)]
        return list(range(self.first_step_frame, self.n_frames))

    def out_shape(self) -> tuple[int, int]:
        """(H, W) of the image head or (K, 2) of the points head."""
        return (self.out_h, self.out_w) if self.head == "image" else (self.n_points, 2)


# A tiny variant for tests and first tries (CPU, milliseconds).
TINY_TS_CNN_LSTM: dict[str, Any] = {
    "n_frames": 4,
    "in_size": 16,
    "tower_channels": [4, 8],
    "tower_pool": 2,
    "feat_dim": 8,
    "lstm_hidden": 8,
    "fc_dims": [16, 8],
    "out_h": 8,
    "out_w": 16,
    "n_points": 5,
}


class TSCnnLstm(nn.Module):
    """The two-stream CNN-LSTM; see the module docstring for shapes and time-step alignment."""

    def __init__(self, cfg: TSCnnLstmConfig) -> None:
        super().__init__()
        self.config = cfg
        tower = dict(
            channels=tuple(cfg.tower_channels),
            pool=cfg.tower_pool,
            feat_dim=cfg.feat_dim,
            downsample=cfg.tower_downsample,
            slope=cfg.leaky_slope,
            conv_dropout=cfg.conv_dropout,
            fc_dropout=cfg.fc_dropout,
        )
        self.frame_tower = ConvTower(1, **tower)
        self.flow_tower = ConvTower(2, **tower) if cfg.use_flow else None
        step_dim = cfg.feat_dim * (2 if cfg.use_flow else 1)
        self.lstm = nn.LSTM(
            step_dim,
            cfg.lstm_hidden,
            num_layers=cfg.lstm_layers,
            batch_first=True,
            bidirectional=cfg.bidirectional,
        )
        y_dim = cfg.lstm_hidden * (2 if cfg.bidirectional else 1)
        self.attention = StepAttention(y_dim) if cfg.use_attention else None
        flat = cfg.target_position != "all" and cfg.temporal_pool == "flatten"
        head_in = y_dim * cfg.n_steps if flat else y_dim
        decoder = tuple(cfg.decoder_channels) if cfg.head == "image" else ()
        self.head = OutputHead(
            head_in, tuple(cfg.fc_dims), cfg.out_shape(), decoder, cfg.leaky_slope, cfg.fc_dropout
        )
        h, w = cfg.out_shape()
        self.lip_term = LipQuadratic(cfg.lip_quadratic, cfg.n_steps, h * w, cfg.leaky_slope) \
            if cfg.lip_quadratic else None

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """frames (B*N, 1, H, W) -> frame features (B*N, D)."""
        return self.frame_tower(frames)

    def encode_flows(self, flow: torch.Tensor) -> torch.Tensor:
        """flow (B*M, 2, H, W) -> flow features (B*M, D); needs `use_flow`."""
        if self.flow_tower is None:
            raise ValueError("this model was built with use_flow=False")
        return self.flow_tower(flow)

    def combine_steps(
        self, frame_feats: torch.Tensor, flow_feats: torch.Tensor | None
    ) -> torch.Tensor:
        """frame_feats (B, N, D), flow_feats (B, N-1, D) or None -> steps (B, S, D_step)."""
        return combine_steps(self.config, frame_feats, flow_feats)

    def temporal(self, steps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """steps (B, S, D_step) -> (output, attention weights (B, S) or None).

        Output: (B, H, W) / (B, K, 2) for last|centre, (B, S, H, W) / (B, S, K, 2) for all.
        """
        y, _ = self.lstm(steps)  # (B, S, Dy)
        weights = None
        if self.attention is not None:
            y, weights = self.attention(y)
        b, s, dy = y.shape
        if self.config.target_position == "all":
            out = self.head(y.reshape(b * s, dy))  # (B*S, Dy) -> (B*S, *out_shape)
            return out.view(b, s, *out.shape[1:]), weights  # (B, S, *out_shape)
        flat = self.config.temporal_pool == "flatten"
        pooled = y.reshape(b, s * dy) if flat else y.sum(1)  # (B, S, Dy) -> (B, S*Dy) or (B, Dy)
        out = self.head(pooled)
        if self.lip_term is not None:
            out = out + self.lip_term(steps).view_as(out)
        return out, weights

    def features(
        self, frames: torch.Tensor, flow: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Run the towers: frames (B, N, 1, H, W) -> (B, N, D); flow (B, N-1, 2, H, W) ->
        (B, N-1, D) (None when the model has no flow tower)."""
        self._check(frames, flow)
        b, n = frames.shape[:2]
        frame_feats = self.encode_frames(frames.flatten(0, 1))  # (B*N, 1, H, W) -> (B*N, D)
        frame_feats = frame_feats.view(b, n, -1)  # (B, N, D)
        if self.flow_tower is None:
            return frame_feats, None
        flow_feats = self.encode_flows(flow.flatten(0, 1))  # (B*(N-1), 2, H, W) -> (B*(N-1), D)
        return frame_feats, flow_feats.view(b, n - 1, -1)  # (B, N-1, D)

    def forward(self, frames: torch.Tensor, flow: torch.Tensor | None = None) -> torch.Tensor:
        """frames (B, N, 1, H, W), flow (B, N-1, 2, H, W) (ignored without a flow tower) ->
        (B, H, W) / (B, K, 2), or (B, S, H, W) / (B, S, K, 2) for target_position all."""
        out, _ = self.temporal(self.combine_steps(*self.features(frames, flow)))
        return out

    def attention_weights(
        self, frames: torch.Tensor, flow: torch.Tensor | None = None
    ) -> torch.Tensor | None:
        """Per-step attention weights (B, S), or None without attention."""
        return self.temporal(self.combine_steps(*self.features(frames, flow)))[1]

    def onnx_parts(self) -> dict[str, Part]:
        """The ONNX export, split as the streaming predictor runs the model: "model" the
        temporal head, steps (B, S, D_step) -> y (and attention (B, S)); "frames" the frame
        tower, frame (B, 1, H, W) -> (B, D); "flows" the flow tower, flow (B, 2, H, W) -> (B, D)
        (with flow only). H = W = in_size, S and D are fixed."""
        c, size = self.config, self.config.in_size
        s, d = c.n_steps, c.feat_dim * (2 if c.use_flow else 1)
        out = list(c.out_shape())
        y = ["B", s, *out] if c.target_position == "all" else ["B", *out]
        outputs = {"y": y, "attention": ["B", s]} if c.use_attention else {"y": y}
        parts = {"model": Part(Call(self, "temporal"), (torch.zeros(2, s, d),),
                               {"steps": ["B", s, d]}, outputs),
                 "frames": Part(Call(self, "encode_frames"), (torch.zeros(2, 1, size, size),),
                                {"frame": ["B", 1, size, size]}, {"features": ["B", c.feat_dim]})}
        if c.use_flow:
            parts["flows"] = Part(Call(self, "encode_flows"), (torch.zeros(2, 2, size, size),),
                                  {"flow": ["B", 2, size, size]}, {"features": ["B", c.feat_dim]})
        return parts

    def _check(self, frames: torch.Tensor, flow: torch.Tensor | None) -> None:
        n, size = self.config.n_frames, self.config.in_size
        if frames.dim() != 5 or tuple(frames.shape[1:]) != (n, 1, size, size):
            raise ValueError(f"frames: expected (B, {n}, 1, {size}, {size}), got {frames.shape}")
        if self.flow_tower is None:
            return
        want = (frames.shape[0], n - 1, 2, size, size)
        if flow is None or tuple(flow.shape) != want:
            got = None if flow is None else tuple(flow.shape)
            raise ValueError(f"flow: expected {want}, got {got}")


def combine_steps(config: TSCnnLstmConfig, frame_feats: torch.Tensor,
                  flow_feats: torch.Tensor | None) -> torch.Tensor:
    """The temporal head's steps: frame_feats (B, N, D), flow_feats (B, N-1, D) or None
    -> (B, S, D_step); shared by the torch model and its ONNX parts (`onnx_runtime`)."""
    if not config.use_flow:
        return frame_feats
    if flow_feats is None:
        raise ValueError("use_flow=True needs flow features")
    if config.flow_steps == "drop_first":
        return torch.cat([frame_feats[:, 1:], flow_feats], dim=-1)  # (B, N-1, 2D)
    zero = flow_feats.new_zeros(flow_feats.shape[0], 1, flow_feats.shape[2])  # (B, 1, D)
    into = torch.cat([zero, flow_feats], dim=1)  # (B, N, D): flow into each frame
    return torch.cat([frame_feats, into], dim=-1)  # (B, N, 2D)


def build_ts_cnn_lstm(cfg: dict[str, Any] | TSCnnLstmConfig | None = None) -> TSCnnLstm:
    """Build a TS-CNN-LSTM from a config or a partial dict of config values (defaults: paper)."""
    if not isinstance(cfg, TSCnnLstmConfig):
        cfg = build_config(TSCnnLstmConfig, cfg or {})
    return TSCnnLstm(cfg)
