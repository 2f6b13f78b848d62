"""ONNX export of a model, one graph per part, with the run's metadata inside.

Whether and how a model exports is the model family's own business: its class has an
`onnx_parts()` method returning the parts (`Part`: module, example inputs, axis names),
usually `Call`s of its own methods; a family without it is refused in one line. The parts
(each a standalone ONNX graph; B batch axes and the phone2face T axis are dynamic):
    phone2face_bigru, _window, _dominance, _hybrid (`phone_sequence_parts`):
        "model"     phones (B, T) int64 -> y (B, T, n_out), normalised target units
    lip2tongue_convlstm:
        "model"     frames (B, N, 1, H, W) -> y (B, *out) (or (B, N, *out) for target all)
    lip2tongue_ts_cnn_lstm (the streaming split of `artimap.models.streaming`):
        "model"     steps (B, S, D_step) -> y (B, *out) / (B, S, *out), attention (B, S)
                    (the temporal head: LSTM + attention + output head)
        "frames"    frame (B, 1, H, W) -> features (B, D)       (the frame tower)
        "flows"     flow (B, 2, H, W) -> features (B, D)        (the flow tower, if any)
Part "model" goes to the given path; the others beside it as <stem>.<part>.onnx.

Every graph carries metadata_props: `artimap.model_name`, `artimap.model_config` (JSON),
`artimap.part`, `artimap.parts` (JSON list), `artimap.inputs` / `artimap.outputs` (JSON: name
-> shape with axis names) and `artimap.meta` (the checkpoint's meta as JSON: normalisation,
rates, phone inventory, marker names...); tensors become nested lists. Normalisation is not in
the graph: callers apply it as they do around the torch model.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_bytes

OPSET = 17


@dataclass
class Part:
    """One exportable graph: a module, example inputs and the axis names of its tensors."""

    module: nn.Module
    example: tuple[torch.Tensor, ...]
    inputs: dict[str, list[str | int]]  # input name -> shape (axis name or fixed size)
    outputs: dict[str, list[str | int]]  # output name -> shape


class Call(nn.Module):
    """`module.<method>(*x)` as a forward, so a part of a model can be traced on its own; None
    entries of a tuple result are left out (ONNX outputs are tensors)."""

    def __init__(self, module: nn.Module, method: str) -> None:
        super().__init__()
        self.inner, self.method = module, method

    def forward(self, *x: torch.Tensor) -> Any:
        out = getattr(self.inner, self.method)(*x)
        if isinstance(out, tuple):
            out = tuple(y for y in out if y is not None)
            return out[0] if len(out) == 1 else out
        return out


def phone_sequence_parts(model: nn.Module, reach: int = 0) -> dict[str, Part]:
    """The one part of a phone2face model: phones (B, T) int64 -> y (B, T, n_out); traced on a
    sequence longer than the model's `reach` in frames, so no edge-only branch is traced."""
    phones = torch.zeros(1, max(64, reach + 2), dtype=torch.int64)
    return {"model": Part(Call(model, "forward"), (phones,), {"phones": ["B", "T"]},
                          {"y": ["B", "T", model.config.n_out]})}


def model_parts(model: nn.Module) -> dict[str, Part]:
    """The ONNX parts of a model (module doc), as the model family declares them in its
    `onnx_parts()`; a family without one is refused in one line."""
    parts = getattr(model, "onnx_parts", None)
    if parts is None:
        raise ArtimapError(f"{type(model).__name__}: this model family has no ONNX export; "
                           "use --backend torch")
    return parts()


def to_json(value: Any) -> Any:
    """Plain JSON values of a checkpoint meta: tensors and arrays become nested lists."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def part_path(path: Path, part: str) -> Path:
    """Where part `part` of an export at `path` (the "model" part's file) lives."""
    return path if part == "model" else path.with_name(f"{path.stem}.{part}{path.suffix}")


def part_bytes(part: Part) -> bytes:
    """The serialised ONNX graph of one part (no metadata), traced on its example."""
    axes = {n: {i: a for i, a in enumerate(shape) if isinstance(a, str)}
            for n, shape in {**part.inputs, **part.outputs}.items()}
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        # the tracer warns about shape-dependent Python branches; each part's docstring
        # names the axes that stay dynamic, the rest are fixed by the config
        warnings.simplefilter("ignore")
        torch.onnx.export(part.module.eval(), part.example, buf, input_names=list(part.inputs),
                          output_names=list(part.outputs), dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)
    return buf.getvalue()


def _traced(name: str, key: str, part: Part) -> bytes:
    """`part_bytes`, with a tracer or exporter failure turned into one line."""
    try:
        return part_bytes(part)
    except Exception as e:  # torch.onnx raises many types, each with pages of graph dump
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise ArtimapError(f"{name}: part {key!r} cannot be exported to ONNX ({first}); "
                           "nothing was written; use --backend torch") from None


def export_model(model: nn.Module, meta: dict[str, Any], path: str | Path) -> list[Path]:
    """Write every part of `model` (meta as `artimap.models.load_model` returns it: holds
    model_name and model_config) with its metadata; returns the files written.

    Every part is exported in memory before the first file is written, and each file is
    written to a temporary name and renamed: a failure leaves no part, new or half-written.
    """
    try:
        # deferred: optional dependency, imported only when this is used
        import onnx  # optional dependency (export only)
    except ImportError:
        raise ArtimapError("ONNX export needs the optional onnx and onnxruntime packages: "
                           "pip install onnx onnxruntime") from None
    path = Path(path)
    if path.suffix != ".onnx":
        raise ArtimapError(f"{path}: an ONNX export needs a .onnx file name; pass --out X.onnx")
    name = meta["model_name"]
    parts = model_parts(model.cpu().eval())
    graphs = {key: _traced(name, key, part) for key, part in parts.items()}
    files = {}
    for key, part in parts.items():
        graph = onnx.load_from_string(graphs[key])
        props = {"artimap.model_name": name, "artimap.part": key,
                 "artimap.parts": json.dumps(list(parts)),
                 "artimap.model_config": json.dumps(to_json(meta.get("model_config", {}))),
                 "artimap.inputs": json.dumps(part.inputs),
                 "artimap.outputs": json.dumps(part.outputs),
                 "artimap.meta": json.dumps(to_json(meta))}
        onnx.helper.set_model_props(graph, props)
        files[part_path(path, key)] = graph.SerializeToString()
    for target, data in files.items():
        atomic_write_bytes(target, data)
    return list(files)
