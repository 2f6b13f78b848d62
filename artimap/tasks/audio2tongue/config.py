"""audio2tongue run settings: `ExperimentConfig` and the model config it and the prepared data
imply (the data fix the input bands and the output size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from artimap.data.prepared import Prepared
from artimap.tasks.audio_config import MODEL, check_audio_config, default_train
from artimap.train_config import TrainConfig

TASK = "audio2tongue"
EVAL_OPTIONS: tuple[str, ...] = ()  # keyword options of evaluate_run (`artimap evaluate`)


@dataclass
class ExperimentConfig:
    """One audio2tongue training run; YAML states only what differs."""

    task: str = TASK  # must be "audio2tongue"
    name: str = "bilstm"  # row name in results and tables
    data: str = "prepared/audio2tongue"  # prepared folder (`artimap prepare audio2tongue`)
    model: str = MODEL  # registry name: audio_inversion (artimap/models/inversion.py)
    model_config: dict[str, Any] = field(default_factory=dict)  # InversionConfig values
    train: TrainConfig = field(default_factory=default_train)  # loop settings
    seq_len: int = 64  # target frames per training window (0 = whole utterances)
    stride: int = 16  # training windows start every `stride` target frames
    zero_output: bool = True  # output layer starts at zero: untrained = the training mean
    eigentongue_k: int = 16  # image targets: K-unit bottleneck filled with the top-K PCA
    tiny: bool = False  # start the model config from its tiny preset (smoke runs)

    def __post_init__(self) -> None:
        check_audio_config(self, TASK, {"seq_len": ">= 0", "stride": ">= 1",
                                        "eigentongue_k": ">= 0"})


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
