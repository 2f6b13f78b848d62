"""audio2tongue run settings: `ExperimentConfig` and the model config it and the prepared data
imply (the data fix the input bands and the output size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from artimap.config import check_ranges
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.models import check_config
from artimap.models.inversion import TINY_INVERSION
from artimap.train_config import TrainConfig

TASK = "audio2tongue"
MODEL = "audio_inversion"
EVAL_OPTIONS: tuple[str, ...] = ()  # keyword options of evaluate_run (`artimap evaluate`)


def _train() -> TrainConfig:
    return TrainConfig(lr=1e-3, batch_size=8, epochs=60, patience=10, grad_clip=1.0)


@dataclass
class ExperimentConfig:
    """One audio2tongue training run; YAML states only what differs."""

    task: str = TASK  # must be "audio2tongue"
    name: str = "bilstm"  # row name in results and tables
    data: str = "prepared/audio2tongue"  # prepared folder (`artimap prepare audio2tongue`)
    model: str = MODEL  # registry name: audio_inversion (artimap/models/inversion.py)
    model_config: dict[str, Any] = field(default_factory=dict)  # InversionConfig values
    train: TrainConfig = field(default_factory=_train)  # loop settings
    seq_len: int = 64  # target frames per training window (0 = whole utterances)
    stride: int = 16  # training windows start every `stride` target frames
    zero_output: bool = True  # output layer starts at zero: untrained = the training mean
    eigentongue_k: int = 16  # image targets: K-unit bottleneck filled with the top-K PCA
    tiny: bool = False  # start the model config from its tiny preset (smoke runs)

    def __post_init__(self) -> None:
        if self.task != TASK:
            raise ArtimapError(f"task: expected {TASK!r} for this config, got {self.task!r}")
        if self.model != MODEL:
            raise ArtimapError(f"model: {self.model!r} is not an audio2tongue model; "
                               f"valid: {MODEL}")
        check_ranges(self, "", {"seq_len": ">= 0", "stride": ">= 1", "eigentongue_k": ">= 0"})
        check_config(self.model, {**(TINY_INVERSION if self.tiny else {}), **self.model_config})


def data_meta(cfg: Any, prepared: Prepared) -> dict[str, Any]:
    """What predict needs to read new audio and write targets (plain values)."""
    m = prepared.manifest
    kinds = sorted({u.get("target_kind", "") for u in m["utterances"]})
    return {"prepared": cfg.data, "target": m["settings"]["target"], "target_kind": kinds[0],
            "target_shape": list(m["arrays"]["targets"]["shape"][1:]),
            "target_fps": float(m["target_fps"]), "target_units": m["target_units"],
            "point_names": list(m.get("point_names", [])),
            "n_mels": int(m["settings"]["n_mels"]),
            "target_size": list(m["settings"]["target_size"]),
            "ultrasound": m["settings"]["ultrasound"]}
