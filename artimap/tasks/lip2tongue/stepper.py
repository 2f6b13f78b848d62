"""One lip frame in, at most one model output out: the per-frame step that both the file path
(`predict.stream_predict`) and live streams (`live`) run, so they cannot drift apart.

    decoded frame (H, W[, 3]) uint8 on the training clock
      -> inputs.FrameStream (crop, frame, flow; exactly the training inputs)
      -> Normaliser.inputs -> StreamingPredictor (per-frame feature cache)
      -> Normaliser.untarget: output (*out) in target units, aligned with the frame `shift`
         frames before the newest (0 for target_position last/all, N // 2 for centre)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from artimap.clip import target_offset
from artimap.data.lip2tongue.inputs import FrameStream
from artimap.models.streaming import StreamingPredictor
from artimap.tasks.lip2tongue.normalise import Normaliser


class Step(NamedTuple):
    """What one pushed frame gives."""

    crop: np.ndarray  # (S, S) uint8: the frame's mouth crop
    output: np.ndarray | None  # (*out) float32 in target units; None before the first clip


class FramePredictor:
    """The model of a run, fed one decoded lip frame at a time (see the module doc)."""

    def __init__(self, model: torch.nn.Module, meta: dict, box: tuple[int, int, int, int]
                 ) -> None:
        self.norm = Normaliser(meta["normalisation"], meta["normalise_inputs"],
                               meta["normalise_target"])
        self.model = StreamingPredictor(model)
        self.size = int(meta["data"]["image_size"])
        flow = meta["data"]["flow"] if self.model.uses_flow else None
        self.inputs = FrameStream(box, self.size, flow)
        cfg = model.config
        self.config = cfg
        centre = target_offset(cfg.n_frames, cfg.target_position)  # "all": the newest
        self.shift = (cfg.n_frames - 1) - centre  # output lags the newest frame by this many

    def push(self, frame: np.ndarray) -> Step:
        """One decoded frame (H, W[, 3]) uint8 -> its crop and the newest output, if any."""
        step = self.inputs.push(frame)
        x = torch.from_numpy(step.frame)[None]  # (1, 1, S, S)
        flow = torch.zeros(1, 2, self.size, self.size)  # (1, 2, S, S); unused for frame 0
        if step.flow is not None:
            flow = torch.from_numpy(step.flow)[None]  # (1, 2, S, S)
        x, flow = self.norm.inputs(x, flow)
        y = self.model.push(x, flow if self.model.uses_flow else None)
        if y is None:
            return Step(step.crop, None)
        y = self.norm.untarget(y.float())
        if self.config.target_position == "all":  # (1, S, ...): the last step is the newest
            y = y[:, -1]
        return Step(step.crop, y[0].numpy())
