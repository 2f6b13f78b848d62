"""audio2tongue training: `make_task` builds the `artimap.tasks.audio_run.AudioTask` of one run
(the inversion model, windows of the prepared utterances, masked MSE on standardised targets,
the eigentongue basis for image targets). The normalisation and the data settings go into
every checkpoint, so evaluation and prediction need only the run directory."""

from __future__ import annotations

from artimap.data.prepared import Prepared
from artimap.tasks.audio2tongue.config import TASK, ExperimentConfig, data_meta
from artimap.tasks.audio_run import AudioTask, Normaliser, resolve_model_config


def is_image(prepared: Prepared) -> bool:
    """Whether the prepared targets are ultrasound images (else points)."""
    return prepared.manifest["arrays"]["targets"]["dtype"] == "uint8"


def make_task(cfg: ExperimentConfig) -> AudioTask:
    """The training task of `cfg` (reads the prepared dataset's manifest and statistics)."""
    prepared = Prepared.open(cfg.data, TASK)
    image = is_image(prepared)
    shape = tuple(prepared.manifest["arrays"]["targets"]["shape"][1:])
    norm = Normaliser(prepared.stats, shape, image)
    return AudioTask(cfg, prepared, resolve_model_config(cfg, prepared, image), norm,
                     {"task": TASK, "image": image, "data": data_meta(cfg, prepared)})
