"""Run exported models (`artimap.models.export`) through onnxruntime on the CPU.

`OnnxModel` stands in for the torch model wherever inference code calls it: `model(x)` for the
single-graph families, and for the TS-CNN-LSTM the streaming interface (`encode_frames`,
`encode_flows`, `combine_steps`, `temporal`) that `StreamingPredictor` uses, so the same
predictors run either backend. Tensors go in and come out as torch tensors on the CPU.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from artimap.errors import ArtimapError
from artimap.models import config_of
from artimap.models.export import model_parts, part_bytes, part_path
from artimap.models.ts_cnn_lstm import combine_steps


def session(model: str | Path | bytes, threads: int = 1):
    """An onnxruntime CPU session of a file or serialised graph, `threads` intra-op threads
    (1: the steadiest on a shared machine, and what real-time figures are measured with)."""
    # deferred: optional dependency, imported only when this is used
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # errors only
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"])


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The artimap metadata of an exported file: model_name, part, parts, model_config,
    inputs, outputs, meta (JSON values decoded)."""
    path = Path(path)
    if not path.is_file():
        raise ArtimapError(f"{path}: ONNX file not found; write it with `artimap export RUN_DIR`")
    props = session(path).get_modelmeta().custom_metadata_map
    if "artimap.model_name" not in props:
        raise ArtimapError(f"{path}: not an artimap export (no artimap.* metadata); "
                           "re-export it with `artimap export RUN_DIR`")
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key.startswith("artimap."):
            key = key.removeprefix("artimap.")
            out[key] = value if key in ("model_name", "part") else json.loads(value)
    return out


class OnnxModel(nn.Module):
    """An exported model behind the torch model's inference interface (module doc).

    Build it from files (`from_file`) or straight from a torch model (`from_torch`: the graphs
    are exported in memory). It has no parameters; deep copies share the sessions (they hold
    no state between calls).
    """

    def __init__(self, name: str, config: Any, sessions: dict[str, Any]) -> None:
        super().__init__()
        self.name, self.config, self.sessions = name, config, sessions

    @classmethod
    def from_file(cls, path: str | Path, threads: int = 1) -> OnnxModel:
        """Load the export at `path` and the other parts beside it."""
        path = Path(path)
        info = read_metadata(path)
        try:
            config = config_of(info["model_name"], info["model_config"])
        except ArtimapError as e:
            raise ArtimapError(f"{path}: {e}") from None
        sessions = {}
        for part in info["parts"]:
            file = part_path(path, part)
            if not file.is_file():
                raise ArtimapError(f"{file}: part {part!r} of the export {path.name} is missing;"
                                   " re-export with `artimap export RUN_DIR`")
            sessions[part] = session(file, threads)
        return _class(sessions)(info["model_name"], config, sessions)

    @classmethod
    def from_torch(cls, name: str, model: nn.Module, threads: int = 1) -> OnnxModel:
        """Export registry model `name` in memory and load its parts."""
        parts = model_parts(model.cpu().eval())
        sessions = {k: session(part_bytes(p), threads) for k, p in parts.items()}
        return _class(sessions)(name, model.config, sessions)

    def __deepcopy__(self, memo: dict) -> OnnxModel:
        return self

    def _run(self, part: str, x: torch.Tensor) -> list[torch.Tensor]:
        sess = self.sessions[part]
        feed = {sess.get_inputs()[0].name: np.ascontiguousarray(x.detach().cpu().numpy())}
        return [torch.from_numpy(y) for y in sess.run(None, feed)]

    def forward(self, x: torch.Tensor, second: torch.Tensor | None = None) -> torch.Tensor:
        """phone2face: phones (B, T) -> (B, T, n_out) (whole sequences: no `lengths`);
        ConvLSTM: frames (B, N, 1, H, W) -> output (its `flow` argument is ignored)."""
        if self.name.startswith("phone2face") and second is not None:
            raise ArtimapError("the ONNX phone2face model runs whole sequences; pass "
                               "one utterance per batch row without lengths")
        return self._run("model", x)[0]


class OnnxStreamingModel(OnnxModel):
    """The TS-CNN-LSTM's parts: towers and temporal head (the StreamingPredictor interface)."""

    def __init__(self, name: str, config: Any, sessions: dict[str, Any]) -> None:
        super().__init__(name, config, sessions)
        self.flow_tower = sessions.get("flows")  # None without flow, as in TSCnnLstm

    def forward(self, x: torch.Tensor, second: torch.Tensor | None = None) -> torch.Tensor:
        """frames (B, N, 1, H, W), flow (B, N-1, 2, H, W) -> output, through the towers and
        the temporal head."""
        b, n = x.shape[:2]
        frames = self.encode_frames(x.flatten(0, 1)).view(b, n, -1)  # (B, N, D)
        flows = None
        if self.flow_tower is not None:
            flows = self.encode_flows(second.flatten(0, 1)).view(b, n - 1, -1)  # (B, N-1, D)
        return self.temporal(self.combine_steps(frames, flows))[0]

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """frames (B, 1, H, W) -> features (B, D)."""
        return self._run("frames", frames)[0]

    def encode_flows(self, flow: torch.Tensor) -> torch.Tensor:
        """flow (B, 2, H, W) -> features (B, D)."""
        return self._run("flows", flow)[0]

    def combine_steps(self, frame_feats: torch.Tensor,
                      flow_feats: torch.Tensor | None) -> torch.Tensor:
        """As TSCnnLstm.combine_steps: (B, N, D), (B, N-1, D) -> steps (B, S, D_step)."""
        return combine_steps(self.config, frame_feats, flow_feats)

    def temporal(self, steps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """steps (B, S, D_step) -> (output, attention weights (B, S) or None)."""
        out = self._run("model", steps)
        return out[0], (out[1] if len(out) > 1 else None)


def _class(sessions: dict[str, Any]) -> type[OnnxModel]:
    """Models exported with per-frame towers get the streaming interface."""
    return OnnxStreamingModel if "frames" in sessions else OnnxModel
