"""phone2face exact inference paths for one long utterance, measured in one interleaved run.

Candidates (all whole-sequence, batch 1, one CPU thread, the same weights):
    torch_nn_gru        the torch model as it is (nn.GRU; the default path until the ONNX one)
    torch_no_mkldnn     the same with oneDNN off (torch's own RNN kernels)
    torchscript_cell    a hand-fused GRU cell in TorchScript, both directions of a layer in one
                        batched step (input projections precomputed for all frames)
    onnxruntime_gru     the ONNX export through onnxruntime (its fused GRU op): what
                        `Predictor` runs by default on the CPU
Each reports its largest |difference| from torch_nn_gru (model units) and x real time by wall
and by CPU seconds (the machine may be shared: CPU seconds are the steadier figure).
`onnx_profile` splits onnxruntime's time by operator.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from typing import Any

import torch

from artimap.bench.timing import compare
from artimap.models.onnx_runtime import OnnxModel, session

RATE = 120.0  # marker frames per second


@torch.jit.script
def _bigru_layer(x: torch.Tensor, w_ih: torch.Tensor, b_ih: torch.Tensor, w_hh: torch.Tensor,
                 b_hh: torch.Tensor) -> torch.Tensor:
    """One bidirectional GRU layer on x (T, C): weights stacked over the 2 directions,
    w_ih (2, 3H, C), b_ih (2, 3H), w_hh (2, 3H, H), b_hh (2, 3H) -> (T, 2H)."""
    gx = torch.baddbmm(b_ih[:, None], x[None].expand(2, -1, -1), w_ih.transpose(1, 2))
    gx = torch.stack([gx[0], gx[1].flip(0)])  # (2, T, 3H): the backward one in its own order
    hid = w_hh.shape[2]
    h = x.new_zeros(2, 1, hid)
    w_t, b = w_hh.transpose(1, 2), b_hh[:, None]  # (2, H, 3H), (2, 1, 3H)
    outs = []
    for t in range(x.shape[0]):
        gh = torch.baddbmm(b, h, w_t)  # (2, 1, 3H)
        g = gx[:, t : t + 1]  # (2, 1, 3H)
        r = torch.sigmoid(g[..., :hid] + gh[..., :hid])
        z = torch.sigmoid(g[..., hid : 2 * hid] + gh[..., hid : 2 * hid])
        n = torch.tanh(g[..., 2 * hid :] + r * gh[..., 2 * hid :])
        h = n + z * (h - n)
        outs.append(h)
    out = torch.cat(outs, 1)  # (2, T, H)
    return torch.cat([out[0], out[1].flip(0)], -1)  # (T, 2H)


def torchscript_forward(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The hand-fused path of a bidirectional dense-decoder model: phones (1, T) -> (1, T, D)."""
    g = model.gru

    def stacked(name: str, layer: int) -> torch.Tensor:
        return torch.stack([getattr(g, f"{name}_l{layer}"), getattr(g, f"{name}_l{layer}_reverse")])

    def run(phones: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.one_hot(phones[0], model.config.n_phones).float()  # (T, P)
        for layer in range(g.num_layers):
            x = _bigru_layer(x, stacked("weight_ih", layer), stacked("bias_ih", layer),
                             stacked("weight_hh", layer), stacked("bias_hh", layer))
        return model.head(x)[None]  # (1, T, D)

    return run


def candidates(model: torch.nn.Module, graph: bytes
               ) -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    """name -> phones (1, T) -> outputs (1, T, D), for the paths of the module doc; `graph`:
    the model's ONNX export (`export.part_bytes`)."""

    def no_mkldnn(x: torch.Tensor) -> torch.Tensor:
        with torch.backends.mkldnn.flags(enabled=False):
            return model(x)

    return {"torch_nn_gru": model, "torch_no_mkldnn": no_mkldnn,
            "torchscript_cell": torchscript_forward(model),
            "onnxruntime_gru": OnnxModel("phone2face_bigru", model.config,
                                         {"model": session(graph)})}


def exact_paths(model: torch.nn.Module, graph: bytes, seconds: float = 60.0,
                rounds: int = 3) -> dict[str, Any]:
    """x real time of every candidate on one `seconds` utterance, for a dense-decoder
    bidirectional `model` (CPU, eval mode) and its ONNX export `graph`."""
    x = torch.randint(0, model.config.n_phones, (1, int(seconds * RATE)),
                      generator=torch.Generator().manual_seed(0))  # (1, T)
    paths = candidates(model, graph)
    with torch.inference_mode():
        ref = model(x)
        diffs = {k: float((fn(x) - ref).abs().max()) for k, fn in paths.items()}
        timed = compare({k: (lambda fn=fn: fn(x)) for k, fn in paths.items()}, rounds=rounds,
                        warmup=1, baseline="torch_nn_gru")
    out: dict[str, Any] = {"utterance_s": seconds, "frames": x.shape[1], "rounds": rounds,
                           "threads": torch.get_num_threads(), "baseline": "torch_nn_gru"}
    for k in paths:
        t = timed[k]
        out[k] = {"max_abs_diff": float(f"{diffs[k]:.3g}"),
                  "x_realtime_cpu": round(seconds / t.cpu_min_s, 1),
                  "x_realtime_wall": round(seconds / t.min_s, 1),
                  "cpu_min_s": round(t.cpu_min_s, 4), "wall_min_s": round(t.min_s, 4),
                  "wall_ratio": round(timed.ratio(k), 3),
                  "cpu_ratio": round(t.cpu_median_s / timed["torch_nn_gru"].cpu_median_s, 3)}
    return out


def onnx_profile(graph: bytes, seconds: float = 60.0) -> dict[str, float]:
    """Share of onnxruntime's operator time per operator type (one run of a `seconds`
    utterance through the exported phone2face `graph`, which takes "phones" (1, T))."""
    # deferred: optional dependency, imported only when this is used
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as tmp:
        opts.enable_profiling, opts.profile_file_prefix = True, os.path.join(tmp, "p2f")
        sess = ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])
        phones = torch.randint(0, 40, (1, int(seconds * RATE)),
                               generator=torch.Generator().manual_seed(0)).numpy()
        sess.run(None, {"phones": phones})
        with open(sess.end_profiling()) as f:
            events = json.load(f)
    per_op: dict[str, float] = {}
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            op = e["args"]["op_name"]
            per_op[op] = per_op.get(op, 0.0) + e["dur"] / 1e6  # us -> s
    total = sum(per_op.values())
    return {"total_s": round(total, 4),
            **{op: round(s / total, 3) for op, s in sorted(per_op.items(), key=lambda i: -i[1])}}
