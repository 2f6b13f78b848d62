"""What the audio tasks' run settings share (`artimap.tasks.audio2tongue.config`,
`artimap.tasks.audio2face.config`): the model, the loop defaults and the checks made when a
config is read."""

from __future__ import annotations

from typing import Any

from artimap.config import check_ranges
from artimap.errors import ArtimapError
from artimap.models import check_config
from artimap.models.inversion import TINY_INVERSION
from artimap.train_config import TrainConfig

MODEL = "audio_inversion"  # the one model family of the audio tasks (models/inversion.py)


def default_train() -> TrainConfig:
    """The audio tasks' loop defaults."""
    return TrainConfig(lr=1e-3, batch_size=8, epochs=60, patience=10, grad_clip=1.0)


def check_audio_config(cfg: Any, task: str, ranges: dict[str, str]) -> None:
    """The checks of an audio ExperimentConfig `cfg` of `task`: its task and model names, the
    `ranges` of its own fields, and its model_config against the model's typed config (from the
    tiny preset when `cfg.tiny`)."""
    if cfg.task != task:
        raise ArtimapError(f"task: expected {task!r} for this config, got {cfg.task!r}")
    if cfg.model != MODEL:
        raise ArtimapError(f"model: {cfg.model!r} is not an {task} model; valid: {MODEL}")
    check_ranges(cfg, "", ranges)
    check_config(cfg.model, {**(TINY_INVERSION if cfg.tiny else {}), **cfg.model_config})
