"""The causal inversion model (`artimap.models.inversion`, `causal: true`) run on a stream of
standardised log-mel frames, a few frames at a time.

Offline, the causal front end reads frames t-2k..t (zeros before the first frame) and the
forward LSTM carries its state from frame 0. `InversionStepper` keeps the last 2k input frames
and the LSTM state (h, c) between calls, so the features of each new frame are those of the
offline pass over the whole utterance (within float rounding), and the head maps the features
of chosen frames to outputs. A bidirectional model needs the whole utterance and is refused.

Each call runs the front end and the LSTM once over all the frames it is given (a batch of one
chunk), under `torch.inference_mode`, on an eval-mode copy of the model on the CPU.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from artimap.errors import ArtimapError
from artimap.models.inversion import InversionModel

CAUSAL_CONFIG = "configs/audio2tongue/causal.yaml"


def check_streamable(model: torch.nn.Module) -> None:
    """Only a causal inversion model can run on a stream: one line saying what to train."""
    config = getattr(model, "config", None)
    if not isinstance(model, InversionModel) or not getattr(config, "causal", False):
        raise ArtimapError("this run's model is bidirectional: it needs the whole utterance and "
                           "cannot run on a live stream; train a causal row for streaming "
                           f"(e.g. `artimap train {CAUSAL_CONFIG}`)")


class InversionStepper:
    """Front end + LSTM state of a causal inversion model across calls (module doc).
    Shapes: n new mel frames, M bands, H hidden units, N chosen frames, D outputs."""

    def __init__(self, model: torch.nn.Module) -> None:
        check_streamable(model)
        self.model: InversionModel = copy.deepcopy(model).cpu().eval()
        c = self.model.config
        self.lookahead = c.lookahead
        self._past_len = 2 * c.context
        self.reset()

    def reset(self) -> None:
        """Forget the stream (start a new one)."""
        self.n_frames = 0  # frames whose features have been computed
        self._past = torch.zeros(self._past_len, self.model.config.n_mels)  # (2k, M)
        self._state: tuple[torch.Tensor, torch.Tensor] | None = None

    @torch.inference_mode()
    def features(self, mel: torch.Tensor) -> torch.Tensor:
        """Standardised log-mel frames (n, M) -> their LSTM features (n, H)."""
        if len(mel) == 0:
            return torch.zeros(0, self.model.config.hidden)
        x = torch.cat([self._past, mel])  # (2k + n, M)
        if self._past_len:
            self._past = x[-self._past_len:]
        y = torch.relu(F.conv1d(x.T[None], self.model.front.weight, self.model.front.bias))
        h, self._state = self.model.lstm(y.transpose(1, 2), self._state)  # (1, n, H)
        self.n_frames += len(mel)
        return h[0]

    @torch.inference_mode()
    def head(self, h: torch.Tensor) -> torch.Tensor:
        """Features (N, H) of the frames the outputs are read at -> outputs (N, D)
        (standardised targets)."""
        z = h if self.model.code is None else self.model.code(h)  # (N, K)
        return self.model.out(z)  # (N, D)
