"""audio2face run settings: `ExperimentConfig` (the model config follows from it and the data
through `artimap.tasks.audio_run.resolve_model_config`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from artimap.data.prepared import Prepared
from artimap.tasks.audio_config import MODEL, check_audio_config, default_train
from artimap.train_config import TrainConfig

TASK = "audio2face"
EVAL_OPTIONS: tuple[str, ...] = ()  # keyword options of evaluate_run (`artimap evaluate`)


@dataclass
class ExperimentConfig:
    """One audio2face training run; YAML states only what differs."""

    task: str = TASK  # must be "audio2face"
    name: str = "bilstm"  # row name in results and tables
    data: str = "prepared/audio2face"  # prepared folder (`artimap prepare audio2face`)
    model: str = MODEL  # registry name: audio_inversion (artimap/models/inversion.py)
    model_config: dict[str, Any] = field(default_factory=dict)  # InversionConfig values
    train: TrainConfig = field(default_factory=default_train)  # loop settings
    seq_len: int = 120  # marker frames per training window (0 = whole utterances)
    stride: int = 30  # training windows start every `stride` marker frames
    zero_output: bool = True  # output layer starts at zero: untrained = the mean face
    tiny: bool = False  # start the model config from its tiny preset (smoke runs)

    def __post_init__(self) -> None:
        check_audio_config(self, TASK, {"seq_len": ">= 0", "stride": ">= 1"})


def data_meta(cfg: Any, prepared: Prepared) -> dict[str, Any]:
    """What predict needs to read new audio and write markers (plain values)."""
    m = prepared.manifest
    return {"prepared": cfg.data, "target": "markers", "target_kind": "markers",
            "target_shape": list(m["arrays"]["targets"]["shape"][1:]),
            "target_fps": float(m["target_fps"]), "target_units": "mm",
            "markers": list(m["markers"]), "lip_markers": list(m.get("lip_markers") or []),
            "n_mels": int(m["settings"]["n_mels"])}
