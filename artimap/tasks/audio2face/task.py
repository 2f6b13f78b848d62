"""audio2face training: `make_task` builds the `artimap.tasks.audio_run.AudioTask` of one run
(the inversion model on log-mel, windows of the utterances, masked MSE on the markers
standardised per coordinate with the training statistics)."""

from __future__ import annotations

from artimap.data.prepared import Prepared
from artimap.tasks.audio2face.config import TASK, ExperimentConfig, data_meta
from artimap.tasks.audio_run import AudioTask, Normaliser, resolve_model_config


def make_task(cfg: ExperimentConfig) -> AudioTask:
    """The training task of `cfg` (reads the prepared dataset's manifest and statistics)."""
    prepared = Prepared.open(cfg.data, TASK)
    shape = tuple(prepared.manifest["arrays"]["targets"]["shape"][1:])  # (M, 3)
    norm = Normaliser(prepared.stats, shape, image=False)
    return AudioTask(cfg, prepared, resolve_model_config(cfg, prepared, False), norm,
                     {"task": TASK, "image": False, "data": data_meta(cfg, prepared)})
