"""phone2face run settings: `ExperimentConfig` (one row of the study: baseline, or a latent
decoder built from PCA, blendshapes or an autoencoder, injected or randomly initialised) and the
model config it implies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from artimap.config import check_ranges
from artimap.errors import ArtimapError
from artimap.models import MODELS, check_config
from artimap.train_config import TrainConfig

EVAL_OPTIONS: tuple[str, ...] = ()  # keyword options of evaluate_run (`artimap evaluate`)

DECODERS = ("dense", "pca", "blendshape", "autoencoder")
BIGRU = "phone2face_bigru"
DOMINANCE = "phone2face_dominance"
HYBRID = "phone2face_hybrid"  # the dominance blend + a BiGRU correction (models/hybrid.py)


@dataclass
class ExperimentConfig:
    """One phone2face training run (a row of the study); YAML states only what differs."""

    task: str = "phone2face"  # task name (artimap.tasks.TASKS)
    name: str = "baseline"  # row name in results and figures
    data: str = "prepared/phone2face"  # prepared dataset folder (artimap prepare phone2face)
    model: str = BIGRU  # registry name: phone2face_bigru; _window, _dominance, _hybrid (dense)
    # partial Phone2FaceConfig, e.g. {hidden: 64, timing: true} (phone-timing inputs; the
    # BiGRU's fps is then the data's frame rate)
    model_config: dict[str, Any] = field(default_factory=dict)
    # one-cycle lr with a 3e-3 peak, batches of 4, 60 epochs: on the talker's demo corpus the
    # paper's constant 1e-3 in batches of 2 stops far above the oracle in the same step count
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        batch_size=4, epochs=60, lr=3e-3, lr_schedule="onecycle"))
    decoder: Literal["dense", "pca", "blendshape", "autoencoder"] = "dense"  # output layers
    init: Literal["injected", "random"] = "injected"  # latent decoder: fitted basis or random
    latent_dim: int = 13  # size of the latent space (latent decoders)
    blend_bounds: Literal["nonneg", "unit"] = "nonneg"  # blendshape weights; unit: sigmoid code
    keyshape_classes: dict[str, str] = field(default_factory=dict)  # phone -> viseme class
    ae_epochs: int = 100  # autoencoder pretraining epochs
    ae_hidden: int = 64  # autoencoder hidden units per layer
    ae_layers: int = 2  # autoencoder hidden layers per side
    ae_batch_size: int = 256  # autoencoder pretraining minibatch (frames)
    basis_max_frames: int = 100_000  # frames sampled from the train split to fit a basis
    normalise: Literal["none", "centre", "standardise"] = "centre"  # targets: (x - mean) / s
    freeze_decoder: bool = False  # keep the latent decoder fixed while training
    bucket_batches: bool = True  # batch utterances of similar length together (less padding)

    def __post_init__(self) -> None:
        # every setting is checked when the config is read, before a run (or an experiment's
        # first row) starts: model_config against the model's typed config included
        check_ranges(self, "", {
            "latent_dim": ">= 1", "ae_epochs": ">= 0", "ae_hidden": ">= 1", "ae_layers": ">= 0",
            "ae_batch_size": ">= 1", "basis_max_frames": ">= 1"})
        check_config(self.model, model_settings(self))


def model_settings(cfg: ExperimentConfig, n_phones: int | None = None, n_out: int | None = None,
                   rate: float | None = None) -> dict[str, Any]:
    """The model config of a row: user's model_config plus what the data (`n_phones`, `n_out`,
    `rate`: its frames per second; None: not known yet, the model's default) and the decoder
    variant fix (latent decoders exist for the BiGRU only; other models take decoder: dense)."""
    if cfg.decoder not in DECODERS:
        raise ArtimapError(f"decoder: expected one of {list(DECODERS)}, got {cfg.decoder!r}")
    if cfg.model not in MODELS or not cfg.model.startswith("phone2face"):
        valid = sorted(m for m in MODELS if m.startswith("phone2face"))
        raise ArtimapError(f"model: {cfg.model!r} is not a phone2face model; valid: {valid}")
    fixed: dict[str, Any] = {k: v for k, v in (("n_phones", n_phones), ("n_out", n_out))
                             if v is not None}
    if cfg.model != BIGRU:
        if cfg.decoder != "dense":
            raise ArtimapError(f"decoder: {cfg.model} has no latent decoder; use decoder: dense")
        if cfg.model in (DOMINANCE, HYBRID) and rate is not None:
            fixed["fps"] = float(rate)  # token centres in seconds of this data
        return {**cfg.model_config, **fixed}
    if cfg.model_config.get("timing") and rate is not None:
        fixed["fps"] = float(rate)  # timing durations in seconds of this data
    if cfg.decoder == "dense":
        fixed.update(decoder="dense", init="random")
    else:
        ae = cfg.decoder == "autoencoder"
        # codes in [0, 1]: the autoencoder's sigmoid code, blendshape weights with unit bounds
        bounded = ae or (cfg.decoder == "blendshape" and cfg.blend_bounds == "unit")
        fixed.update(
            decoder="latent", latent_dim=cfg.latent_dim, init=cfg.init,
            latent_activation="sigmoid" if bounded else "none",
            decoder_hidden=[cfg.ae_hidden] * cfg.ae_layers if ae else [],
            freeze_decoder=cfg.freeze_decoder,
        )
    return {**cfg.model_config, **fixed}
