"""Export a run's best checkpoint to ONNX (`artimap export`) and load it back for inference.

The export sits in the run directory as model.onnx (plus model.<part>.onnx for models with
several parts, see `artimap.models.export`) unless another file is named. `run_onnx_model`
gives predictors the exported model through onnxruntime, exporting first when the file is
missing or older than the checkpoint.
"""

from __future__ import annotations

from pathlib import Path

from artimap.models import load_model
from artimap.models.export import export_model
from artimap.models.onnx_runtime import OnnxModel
from artimap.tasks.registry import best_checkpoint

DEFAULT_NAME = "model.onnx"


def export_run(run_dir: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write the ONNX parts of the run's best checkpoint (default RUN_DIR/model.onnx) with the
    checkpoint's meta inside; returns the files written."""
    ckpt = best_checkpoint(run_dir)
    model, meta = load_model(ckpt)
    meta["checkpoint"] = ckpt.name
    return export_model(model, meta, Path(out) if out else Path(run_dir) / DEFAULT_NAME)


def run_onnx_model(run_dir: str | Path, threads: int = 1) -> OnnxModel:
    """The run's exported model through onnxruntime (RUN_DIR/model.onnx, written first when
    missing or older than the best checkpoint)."""
    path = Path(run_dir) / DEFAULT_NAME
    if not path.is_file() or path.stat().st_mtime < best_checkpoint(run_dir).stat().st_mtime:
        export_run(run_dir, path)
    return OnnxModel.from_file(path, threads)
