"""Model registry and checkpoint loading.

MODELS maps a model name to its builder, given as "module:function" so that registering a model
is one line and importing this package loads no model code. A builder takes the model's config
as a plain dict (as stored in checkpoints; missing keys take the defaults) and returns a freshly
initialised `nn.Module` that keeps that config as a dataclass in `.config`:

    def build(config: dict) -> nn.Module: ...        # e.g. artimap/models/bigru.py

Pretrained pieces (a decoder filled from a basis) are not the builder's business: the weights
come from the checkpoint.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from artimap.checkpoint import load_into, read_checkpoint
from artimap.config import build_config, to_dict
from artimap.errors import ArtimapError

# model name -> "module:builder"; builder(config: dict) -> nn.Module with a `.config` dataclass.
MODELS: dict[str, str] = {
    "phone2face_bigru": "artimap.models.bigru:build",
    "phone2face_window": "artimap.models.window:build",
    "phone2face_dominance": "artimap.models.dominance:build",
    "phone2face_hybrid": "artimap.models.hybrid:build",
    "lip2tongue_ts_cnn_lstm": "artimap.models.ts_cnn_lstm:build_ts_cnn_lstm",
    "lip2tongue_convlstm": "artimap.models.convlstm:build_convlstm",
    "audio_inversion": "artimap.models.inversion:build",
}
# model name -> "module:Config", the typed config dataclass beside each model: a run's
# model_config is checked against it when the run config is read, before any work starts.
CONFIGS: dict[str, str] = {
    "phone2face_bigru": "artimap.models.bigru:Phone2FaceConfig",
    "phone2face_window": "artimap.models.window:WindowConfig",
    "phone2face_dominance": "artimap.models.dominance:DominanceConfig",
    "phone2face_hybrid": "artimap.models.hybrid:HybridConfig",
    "lip2tongue_ts_cnn_lstm": "artimap.models.ts_cnn_lstm:TSCnnLstmConfig",
    "lip2tongue_convlstm": "artimap.models.convlstm:ConvLstmConfig",
    "audio_inversion": "artimap.models.inversion:InversionConfig",
}


def get_builder(name: str) -> Callable[[dict[str, Any]], torch.nn.Module]:
    """The builder registered as `name`; an unknown name lists the valid ones."""
    if name not in MODELS:
        raise ArtimapError(f"unknown model {name!r}; valid models: {', '.join(sorted(MODELS))}")
    module, func = MODELS[name].split(":")
    return getattr(importlib.import_module(module), func)


def config_class(name: str) -> type:
    """The typed config dataclass of registry model `name`."""
    if name not in CONFIGS:
        raise ArtimapError(f"unknown model {name!r}; valid models: {', '.join(sorted(MODELS))}")
    module, cls = CONFIGS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def check_config(name: str, values: dict[str, Any], prefix: str = "model_config.") -> Any:
    """The typed config of model `name` from partial plain `values` (the rest: defaults), made
    without building the model. Unknown keys (with the valid ones), wrong types, NaN/inf and
    out-of-range values raise ArtimapError naming the key as `prefix + key`."""
    try:
        return build_config(config_class(name), values, prefix=prefix)
    except ArtimapError as e:  # a config's own checks name "model_config.FIELD" or FIELD
        message = str(e).replace("model_config.", prefix)
        if not message.startswith((prefix, "unknown config key")):
            message = prefix + message
        raise ArtimapError(message) from None


def model_config(model: torch.nn.Module) -> dict[str, Any]:
    """The plain-dict config of a registry model (its `.config` dataclass)."""
    cfg = getattr(model, "config", None)
    if not dataclasses.is_dataclass(cfg):
        raise TypeError(
            f"{type(model).__name__} has no .config dataclass; registry models keep their config"
        )
    return to_dict(cfg)


def build_model(name: str, config: dict[str, Any] | None = None) -> torch.nn.Module:
    """A freshly initialised model `name` from a (partial) plain config dict."""
    return get_builder(name)(dict(config or {}))


def config_of(name: str, config: dict[str, Any] | None = None) -> Any:
    """The typed config dataclass of registry model `name` from a plain dict (as checkpoints and
    exports store it), through the model's own builder; built on the meta device, so no
    weights are made."""
    with torch.device("meta"):
        return build_model(name, config).config


def load_model(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild a trained model from a checkpoint alone (loaded with weights_only=True).

    Returns (model in eval mode on `device`, meta) where meta holds the task's saved values
    (normalisation statistics, inventories, decoder basis...) plus `model_name`,
    `model_config`, `state` (training progress), `train_config` and `git_commit`.
    """
    path = Path(path)
    ckpt = read_checkpoint(path)
    name, config = ckpt["model"]["name"], ckpt["model"]["config"]
    try:
        model = build_model(name, config)
    except ArtimapError as e:
        raise ArtimapError(f"{path}: {e}") from None
    load_into(path, ckpt, model)
    meta = dict(ckpt.get("meta", {}))
    meta.update(
        model_name=name,
        model_config=config,
        state=ckpt.get("state", {}),
        train_config=ckpt.get("train_config", {}),
        git_commit=ckpt.get("git_commit", "unknown"),
    )
    return model.to(device).eval(), meta
