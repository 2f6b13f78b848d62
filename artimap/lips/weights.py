"""LipNet weight files: an artimap checkpoint (`artimap.checkpoint`) holding the net's config
and its weights stored as float16 (half the size; the points move by far less than a pixel),
loaded back as float32. The package ships one, `DEFAULT_WEIGHTS` (see its README for what it
was trained on and its licence)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from artimap.checkpoint import (
    TrainState,
    build_checkpoint,
    load_into,
    read_checkpoint,
    save_checkpoint,
)
from artimap.errors import file_error
from artimap.lips.model import LipNet, LipNetConfig

MODEL_NAME = "lipnet"
DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "lipnet.pt"


def save_lipnet(path: str | Path, model: LipNet, meta: dict[str, Any]) -> None:
    """Write `model` (config + float16 weights) and `meta` (plain values) to `path`."""
    ckpt = build_checkpoint(MODEL_NAME, model.cfg.to_dict(), model, meta,
                            TrainState(step=int(meta.get("steps", 0))), {})
    sd = ckpt["model"]["state_dict"]
    ckpt["model"]["state_dict"] = {k: v.half() if v.is_floating_point() else v
                                   for k, v in sd.items()}
    save_checkpoint(path, ckpt)


def load_lipnet(path: str | Path | None = None) -> LipNet:
    """The LipNet saved at `path` (the shipped weights when None), in eval mode."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    if path == DEFAULT_WEIGHTS and not path.is_file():
        raise file_error(path, "the package's lip model is missing",
                         "Train one: artimap lips train --data LABELLED_DIR --out lipnet.pt, "
                         "then pass --model lipnet.pt")
    ckpt = read_checkpoint(path)
    if ckpt["model"].get("name") != MODEL_NAME:
        raise file_error(path, f"holds a {ckpt['model'].get('name')!r} model, not a lip model",
                         "Pass a file written by artimap lips train")
    model = LipNet(LipNetConfig.from_dict(ckpt["model"]["config"]))
    sd = ckpt["model"]["state_dict"]
    ckpt["model"]["state_dict"] = {k: v.float() if v.is_floating_point() else v
                                   for k, v in sd.items()}
    load_into(path, ckpt, model)
    return model.eval()


def lipnet_meta(path: str | Path | None = None) -> dict[str, Any]:
    """The `meta` dict saved with the weights at `path` (the shipped ones when None)."""
    return read_checkpoint(Path(path) if path is not None else DEFAULT_WEIGHTS)["meta"]
