"""The causal inversion model (`artimap.models.inversion`, `causal: true`) run on a stream of
standardised log-mel frames, a few frames at a time.

Offline, the causal front end reads frames t-2k..t (zeros before the first frame) and the
forward LSTM carries its state from frame 0. `InversionStepper` keeps the last 2k input frames
and the LSTM state (h, c) between calls, so the features of each new frame are those of the
offline pass over the whole utterance (within float rounding), and the head maps the features
of chosen frames to outputs. A bidirectional model needs the whole utterance and is refused.

Two engines compute the same numbers (within float rounding): "torch" runs the model's own
layers once over all the frames of a call (a batch of one chunk) under `torch.inference_mode`;
"numpy" (the default) runs the front end as one matrix product per call and the LSTM as a
plain loop of float32 matrix-vector steps over the chunk's frames, the input projections of
all the frames of a layer batched into one product. For one 10 ms frame per call a torch LSTM
call costs far more in dispatch than in arithmetic (`artimap bench audio_stream` compares).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit

from artimap.errors import ArtimapError
from artimap.models.inversion import InversionModel

CAUSAL_CONFIG = "configs/audio2tongue/causal.yaml"
ENGINES = ("numpy", "torch")


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

    def __init__(self, model: torch.nn.Module, engine: str = "numpy") -> None:
        check_streamable(model)
        if engine not in ENGINES:
            raise ArtimapError(f"unknown streaming engine {engine!r}; valid: {', '.join(ENGINES)}")
        self.model: InversionModel = copy.deepcopy(model).cpu().eval()
        self.engine = engine
        c = self.model.config
        self.lookahead = c.lookahead
        self._past_len = 2 * c.context
        self._np = NumpyInversion(self.model) if engine == "numpy" else None
        self.reset()

    def reset(self) -> None:
        """Forget the stream (start a new one)."""
        self.n_frames = 0  # frames whose features have been computed
        self._past = torch.zeros(self._past_len, self.model.config.n_mels)  # (2k, M)
        self._state: tuple[torch.Tensor, torch.Tensor] | None = None
        if self._np is not None:
            self._np.reset()

    def features(self, mel: np.ndarray) -> np.ndarray:
        """Standardised log-mel frames (n, M) float32 -> their LSTM features (n, H)."""
        self.n_frames += len(mel)
        if len(mel) == 0:
            return np.zeros((0, self.model.config.hidden), np.float32)
        if self._np is not None:
            return self._np.features(mel)
        return self._torch_features(torch.from_numpy(mel)).numpy()

    @torch.inference_mode()
    def _torch_features(self, mel: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self._past, mel])  # (2k + n, M)
        if self._past_len:
            self._past = x[-self._past_len:]
        y = torch.relu(F.conv1d(x.T[None], self.model.front.weight, self.model.front.bias))
        h, self._state = self.model.lstm(y.transpose(1, 2), self._state)  # (1, n, H)
        return h[0]

    def head(self, h: np.ndarray) -> np.ndarray:
        """Features (N, H) of the frames the outputs are read at -> outputs (N, D)
        (standardised targets)."""
        if self._np is not None:
            return self._np.head(h)
        with torch.inference_mode():
            z = torch.from_numpy(h)
            z = z if self.model.code is None else self.model.code(z)  # (N, K)
            return self.model.out(z).numpy()  # (N, D)


def _f32(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy().copy()


class NumpyInversion:
    """The causal inversion model's weights as float32 arrays, stepped with numpy (module doc).
    Shapes: n frames, M bands, C front channels, H hidden units, N outputs, D values."""

    def __init__(self, model: InversionModel) -> None:
        c = model.config
        self.span, self.n_mels, self.hidden = 2 * c.context + 1, c.n_mels, c.hidden
        w = _f32(model.front.weight)  # (C, M, 2k+1)
        self.front_w = w.transpose(2, 1, 0).reshape(-1, w.shape[0]).copy()  # ((2k+1) M, C)
        self.front_b = _f32(model.front.bias)  # (C,)
        self.layers = [(_f32(getattr(model.lstm, f"weight_ih_l{i}")).T.copy(),  # (I, 4H)
                        _f32(getattr(model.lstm, f"weight_hh_l{i}")).T.copy(),  # (H, 4H)
                        _f32(getattr(model.lstm, f"bias_ih_l{i}")
                             + getattr(model.lstm, f"bias_hh_l{i}")))  # (4H,)
                       for i in range(c.layers)]
        self.heads = [(_f32(lin.weight).T.copy(), _f32(lin.bias))
                      for lin in (model.code, model.out) if lin is not None]
        self.reset()

    def reset(self) -> None:
        self.past = np.zeros((self.span - 1, self.n_mels), np.float32)  # (2k, M)
        self.state = [(np.zeros(self.hidden, np.float32), np.zeros(self.hidden, np.float32))
                      for _ in self.layers]

    def features(self, mel: np.ndarray) -> np.ndarray:
        """Standardised log-mel frames (n, M) float32 -> LSTM features (n, H)."""
        x = np.concatenate([self.past, mel])  # (2k + n, M)
        self.past = x[len(x) - (self.span - 1):]
        # frame t's window: rows t..t+2k of x, flattened (one row, no copy, for n = 1)
        flat = x.reshape(1, -1) if len(mel) == 1 else \
            x[np.arange(len(mel))[:, None] + np.arange(self.span)].reshape(len(mel), -1)
        y = np.maximum(flat @ self.front_w + self.front_b, 0.0)  # (n, C)
        for i, (w_ih, w_hh, b) in enumerate(self.layers):
            y, self.state[i] = self._layer(y @ w_ih + b, w_hh, *self.state[i])  # (n, H)
        return y

    def _layer(self, gates_in: np.ndarray, w_hh: np.ndarray, h: np.ndarray, c: np.ndarray
               ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """One LSTM layer over n steps: input gate terms (n, 4H) -> outputs (n, H), (h, c)."""
        H = self.hidden
        out = np.empty((len(gates_in), H), np.float32)
        for t, g in enumerate(gates_in):
            g = g + h @ w_hh  # (4H,): gates i, f, g, o
            s = expit(g)  # one ufunc call: fewer per-step calls than 1 / (1 + exp(-g))
            c = s[H:2 * H] * c + s[:H] * np.tanh(g[2 * H:3 * H])
            h = out[t] = s[3 * H:] * np.tanh(c)
        return out, (h, c)

    def head(self, h: np.ndarray) -> np.ndarray:
        """Features (N, H) -> outputs (N, D) (through the bottleneck if there is one)."""
        for w, b in self.heads:
            h = h @ w + b
        return h
