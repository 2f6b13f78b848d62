"""Frame-by-frame prediction from a live lip stream.

`StreamingPredictor(model)` takes one new lip frame at a time and, once N frames have arrived,
returns the model's output for the window of the last N frames, exactly as `model(window)` in
eval mode would (within float rounding).

- Models with per-frame encoders (TS-CNN-LSTM: `encode_frames`, `encode_flows`,
  `combine_steps`, `temporal`) are incremental: each new frame runs the frame tower once and the
  flow tower once (on the flow from the previous frame), the features go into ring buffers of
  the last N, and only the LSTM + attention + head re-run over the cached features. A new frame
  therefore costs one pass of each tower instead of N (plus the cheap temporal part).
- Other models (the ConvLSTM baseline) are recomputed on the whole window for every frame: a
  recurrent state started at the window's first frame cannot be updated incrementally when the
  window slides (the oldest frame would have to be "forgotten"), so this path buffers raw frames.

Optical flow stays outside the model: pass `flow_fn(prev (B, 1, H, W), cur (B, 1, H, W)) ->
(B, 2, H, W)` or give each frame's incoming flow to `push`. Shapes: B streams, T stream length.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

FlowFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _as_batch(x: torch.Tensor, channels: int) -> torch.Tensor:
    """(H, W) / (C, H, W) / (B, C, H, W) -> (B, C, H, W)."""
    if x.dim() == 2 and channels == 1:
        x = x[None]  # (1, H, W)
    if x.dim() == 3:
        x = x[None]  # (1, C, H, W)
    if x.dim() != 4 or x.shape[1] != channels:
        raise ValueError(f"expected ({channels}, H, W) or (B, {channels}, H, W), got {x.shape}")
    return x


def fold_batch_norms(model: nn.Module) -> nn.Module:
    """Fold every eval-mode BatchNorm that directly follows a Conv2d / Linear inside an
    nn.Sequential into that layer's weights (the BN becomes Identity). In place; the state
    dict changes, so use it on an inference copy. Returns `model`."""
    for seq in model.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        for i in range(len(seq) - 1):
            layer, bn = seq[i], seq[i + 1]
            if isinstance(layer, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                seq[i], seq[i + 1] = fuse_conv_bn_eval(layer, bn), nn.Identity()
            elif isinstance(layer, nn.Linear) and isinstance(bn, nn.BatchNorm1d):
                seq[i], seq[i + 1] = fuse_linear_bn_eval(layer, bn), nn.Identity()
    return model


def prepare_for_inference(model: nn.Module, fast: bool = True) -> nn.Module:
    """An eval-mode copy of `model` (the original is not touched). With `fast`, batch norms
    are folded into the preceding layers and conv weights use the channels-last layout, so
    CPU convs run channels-last (together measured about 2x faster per frame for the
    TS-CNN-LSTM towers); outputs agree with `model.eval()` within float rounding."""
    model = copy.deepcopy(model).eval()
    if fast:
        fold_batch_norms(model)
        model.to(memory_format=torch.channels_last)
    return model


class StreamingPredictor:
    """Sliding-window predictor over a stream of lip frames. It runs on its own inference copy
    of `model` (`prepare_for_inference`): later changes to `model` are not seen."""

    def __init__(self, model: nn.Module, flow_fn: FlowFn | None = None, fast: bool = True) -> None:
        self.model = prepare_for_inference(model, fast)
        self.flow_fn = flow_fn
        self.n_frames: int = model.config.n_frames
        self.incremental = hasattr(model, "encode_frames")
        self.uses_flow = self.incremental and getattr(model, "flow_tower", None) is not None
        self.reset()

    def reset(self) -> None:
        """Forget the stream (start a new one)."""
        self._frames: deque[torch.Tensor] = deque(maxlen=self.n_frames)
        self._flows: deque[torch.Tensor | None] = deque(maxlen=self.n_frames)
        self._prev: torch.Tensor | None = None

    @property
    def ready(self) -> bool:
        """True once N frames have arrived (a full window)."""
        return len(self._frames) == self.n_frames

    @torch.inference_mode()
    def push(self, frame: torch.Tensor, flow: torch.Tensor | None = None) -> torch.Tensor | None:
        """Add frame (B, 1, H, W) (or (1, H, W), (H, W)) and its incoming flow (B, 2, H, W)
        (motion from the previous frame; ignored for the first frame and by models without flow;
        computed with `flow_fn` when given). Returns the model output for the last N frames
        (the model's shape with the batch of B streams), or None until N frames have arrived."""
        frame = _as_batch(frame, 1)
        if self.uses_flow:
            flow = self._incoming_flow(frame, flow)
        self._prev = frame
        if not self.incremental:
            self._frames.append(frame)
            if not self.ready:
                return None
            return self.model(torch.stack(list(self._frames), dim=1))  # window (B, N, 1, H, W)
        self._frames.append(self.model.encode_frames(frame))  # (B, D)
        if self.uses_flow:
            self._flows.append(None if flow is None else self.model.encode_flows(flow))
        return self._predict() if self.ready else None

    def _incoming_flow(self, frame: torch.Tensor, flow: torch.Tensor | None) -> torch.Tensor | None:
        if self._prev is None:
            return None  # first frame: no previous frame, its flow feature is never used
        if self.flow_fn is not None:
            flow = self.flow_fn(self._prev, frame)
        if flow is None:
            raise ValueError("this model uses optical flow: pass `flow` or give a flow_fn")
        return _as_batch(flow, 2)

    def _predict(self) -> torch.Tensor:
        frame_feats = torch.stack(list(self._frames), dim=1)  # (B, N, D)
        flow_feats = None
        if self.uses_flow:
            # incoming flows of window frames 1..N-1; the oldest frame's incoming flow comes
            # from outside the window (None for the stream's first frame) and is not used
            into = list(self._flows)[1:]
            flow_feats = torch.stack(into, dim=1)  # (B, N-1, D)
        out, _ = self.model.temporal(self.model.combine_steps(frame_feats, flow_feats))
        return out

    def run(self, frames: torch.Tensor, flow: torch.Tensor | None = None) -> torch.Tensor:
        """Push a whole stream: frames (B, T, 1, H, W), flow (B, T-1, 2, H, W) with flow[:, t]
        from frame t to t+1 (or None) -> outputs for every full window, (B, T-N+1, *out)."""
        self.reset()
        outs = []
        for t in range(frames.shape[1]):
            f = None if flow is None or t == 0 else flow[:, t - 1]
            y = self.push(frames[:, t], f)
            if y is not None:
                outs.append(y)
        if not outs:
            n, t = self.n_frames, frames.shape[1]
            raise ValueError(f"stream of {t} frames is shorter than the window N={n}")
        return torch.stack(outs, dim=1)  # (B, T-N+1, *out)


@torch.inference_mode()
def naive_window_predict(
    model: nn.Module, frames: torch.Tensor, flow: torch.Tensor | None = None
) -> torch.Tensor:
    """Recompute the full model on every sliding window, one window per forward (the cost a
    streaming predictor avoids): frames (B, T, 1, H, W), flow (B, T-1, 2, H, W) or None ->
    (B, T-N+1, *out). Puts `model` in eval mode."""
    model.eval()
    n = model.config.n_frames
    outs = []
    for s in range(frames.shape[1] - n + 1):
        win_flow = None if flow is None else flow[:, s : s + n - 1]  # (B, N-1, 2, H, W)
        outs.append(model(frames[:, s : s + n], win_flow))
    return torch.stack(outs, dim=1)  # (B, T-N+1, *out)
