"""Run a trained phone2face model: phone ids (T,) -> marker trajectories (T, M, 3) in mm, with
the run's target normalisation, whole or in overlapping chunks, through onnxruntime or torch.
Evaluation, `artimap predict` and the phone2face benchmark all predict through `Predictor`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from artimap.errors import ArtimapError
from artimap.models import load_model
from artimap.models.onnx_runtime import OnnxModel
from artimap.tasks.export import run_onnx_model
from artimap.tasks.phone2face.chunks import forward_chunked
from artimap.tasks.registry import best_checkpoint

BACKENDS = ("onnx", "torch")  # inference backends of the Predictor (its doc)


class Predictor:
    """A trained model with its target normalisation: phone ids (T,) -> markers (T, M, 3) mm.

    chunk_s > 0: utterances longer than chunk_s + 2 * context_s seconds run in overlapping
    windows as one batch (`p2f_chunks`): faster, with a small deviation from the whole-sequence
    output; 0 (the default, and what evaluation uses): the whole sequence at once.
    backend "onnx" (the default on the CPU): the model runs through onnxruntime, exported in
    memory from a torch model (or given as an `OnnxModel`), one thread; its fused GRU op was
    measured ~3x faster than torch's nn.GRU per CPU second (`artimap bench phone2face`) and
    agrees with it within float rounding. "torch" (and any CUDA device): the torch model.
    """

    def __init__(self, model: torch.nn.Module, meta: dict[str, Any],
                 device: str | torch.device = "cpu", chunk_s: float = 0.0,
                 context_s: float = 2.0, backend: str = "onnx") -> None:
        if backend not in BACKENDS:
            raise ArtimapError(f"backend {backend!r}: choose one of {', '.join(BACKENDS)}")
        self.device = torch.device(device)
        if isinstance(model, OnnxModel):
            self.device = torch.device("cpu")
        elif backend == "onnx" and self.device.type == "cpu":
            model = OnnxModel.from_torch(meta["model_name"], model)
        self.model = model.to(self.device).eval()
        self.mean = torch.as_tensor(meta["target_mean"], dtype=torch.float32, device=device)
        self.scale = torch.as_tensor(meta["target_scale"], dtype=torch.float32, device=device)
        self.n_markers = len(meta["markers"])
        rate = float(meta["rate"])
        self.window = max(1, round(chunk_s * rate)) if chunk_s > 0 else 0  # frames
        self.context = max(0, round(context_s * rate))  # frames each side

    @torch.inference_mode()
    def __call__(self, phone_ids: np.ndarray | torch.Tensor) -> np.ndarray:
        """Markers (T, M, 3) float32 mm for phone ids (T,)."""
        x = torch.as_tensor(np.asarray(phone_ids, dtype=np.int64), device=self.device)  # (T,)
        if self.window:
            y = forward_chunked(self.model, x, self.window, self.context).float()  # (T, D)
        else:
            y = self.model(x[None]).float()[0]  # (T, D)
        y = y * self.scale + self.mean
        return y.reshape(len(y), self.n_markers, 3).cpu().numpy()


def load_predictor(run_dir: Path, device: str = "cpu", chunk_s: float = 0.0,
                   context_s: float = 2.0, backend: str = "onnx"
                   ) -> tuple[Predictor, dict[str, Any]]:
    """The run's best checkpoint as a Predictor (see its chunk and backend options), and its
    meta. backend "onnx" on the CPU runs the run's export RUN_DIR/model.onnx (written first
    when missing or older than the checkpoint, `artimap.tasks.export`)."""
    ckpt = best_checkpoint(run_dir)
    model, meta = load_model(ckpt, device)
    meta["checkpoint"] = ckpt.name
    if backend == "onnx" and torch.device(device).type == "cpu":
        model = run_onnx_model(run_dir)
    return Predictor(model, meta, device, chunk_s, context_s, backend), meta
