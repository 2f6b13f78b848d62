"""ONNX export of every model family, one graph per part, with the run's metadata inside.

Parts (each a standalone ONNX graph; B batch axes and the phone2face T axis are dynamic):
    phone2face_bigru, phone2face_window:
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

OPSET = 17


@dataclass
class Part:
    """One exportable graph: a module, example inputs and the axis names of its tensors."""

    module: nn.Module
    example: tuple[torch.Tensor, ...]
    inputs: dict[str, list[str | int]]  # input name -> shape (axis name or fixed size)
    outputs: dict[str, list[str | int]]  # output name -> shape


class _Call(nn.Module):
    """`module.<method>(*x)` as a forward, so a part of a model can be traced on its own."""

    def __init__(self, module: nn.Module, method: str) -> None:
        super().__init__()
        self.inner, self.method = module, method

    def forward(self, *x: torch.Tensor) -> Any:
        return getattr(self.inner, self.method)(*x)


def model_parts(name: str, model: nn.Module) -> dict[str, Part]:
    """The ONNX parts (module doc) of registry model `name`."""
    c = model.config
    if name in ("phone2face_bigru", "phone2face_window", "phone2face_dominance"):
        # 64 frames: longer than any window model's reach, so no edge branch is traced
        phones = torch.zeros(1, max(64, getattr(c, "in_window", 0) + 2), dtype=torch.int64)
        return {"model": Part(_Call(model, "forward"), (phones,), {"phones": ["B", "T"]},
                              {"y": ["B", "T", c.n_out]})}
    out = list(c.out_shape())
    if name == "lip2tongue_convlstm":
        frames = torch.zeros(2, c.n_frames, 1, c.in_size, c.in_size)
        y = ["B", c.n_frames, *out] if c.target_position == "all" else ["B", *out]
        return {"model": Part(_Call(model, "forward"), (frames,),
                              {"frames": ["B", c.n_frames, 1, c.in_size, c.in_size]}, {"y": y})}
    if name == "lip2tongue_ts_cnn_lstm":
        return _ts_parts(model)
    raise ArtimapError(f"no ONNX export for model {name!r}")


def _ts_parts(model: nn.Module) -> dict[str, Part]:
    """TS-CNN-LSTM: the temporal head and the per-frame towers (module doc)."""
    c = model.config
    s, d = c.n_steps, c.feat_dim * (2 if c.use_flow else 1)
    out = list(c.out_shape())
    y = ["B", s, *out] if c.target_position == "all" else ["B", *out]
    outputs = {"y": y, "attention": ["B", s]} if c.use_attention else {"y": y}
    head = _TemporalHead(model)
    parts = {"model": Part(head, (torch.zeros(2, s, d),), {"steps": ["B", s, d]}, outputs),
             "frames": Part(_Call(model, "encode_frames"), (torch.zeros(2, 1, c.in_size,
                                                                        c.in_size),),
                            {"frame": ["B", 1, c.in_size, c.in_size]},
                            {"features": ["B", c.feat_dim]})}
    if c.use_flow:
        parts["flows"] = Part(_Call(model, "encode_flows"),
                              (torch.zeros(2, 2, c.in_size, c.in_size),),
                              {"flow": ["B", 2, c.in_size, c.in_size]},
                              {"features": ["B", c.feat_dim]})
    return parts


class _TemporalHead(nn.Module):
    """model.temporal without its None weights (ONNX outputs are tensors)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.inner = model

    def forward(self, steps: torch.Tensor) -> Any:
        y, weights = self.inner.temporal(steps)
        return y if weights is None else (y, weights)


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


def export_model(model: nn.Module, meta: dict[str, Any], path: str | Path) -> list[Path]:
    """Write every part of `model` (meta as `artimap.models.load_model` returns it: holds
    model_name and model_config) with its metadata; returns the files written."""
    import onnx

    path = Path(path)
    if path.suffix != ".onnx":
        raise ArtimapError(f"{path}: an ONNX export needs a .onnx file name; pass --out X.onnx")
    name = meta["model_name"]
    model = model.cpu().eval()
    parts = model_parts(name, model)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for key, part in parts.items():
        graph = onnx.load_from_string(part_bytes(part))
        props = {"artimap.model_name": name, "artimap.part": key,
                 "artimap.parts": json.dumps(list(parts)),
                 "artimap.model_config": json.dumps(to_json(meta.get("model_config", {}))),
                 "artimap.inputs": json.dumps(part.inputs),
                 "artimap.outputs": json.dumps(part.outputs),
                 "artimap.meta": json.dumps(to_json(meta))}
        onnx.helper.set_model_props(graph, props)
        target = part_path(path, key)
        tmp = target.with_name(target.name + ".tmp")
        onnx.save(graph, tmp)
        tmp.replace(target)  # never a half-written file under the final name
        written.append(target)
    return written
