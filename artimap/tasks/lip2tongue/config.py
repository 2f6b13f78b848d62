"""lip2tongue run settings: `ExperimentConfig` (one row of Table 2 or 3), its evaluation
settings, and the model and checkpoint settings derived from it and the prepared data.

The data decide the model's input and output sizes (clip length, crop size, target size or
number of points), so a row config states only the model's own choices (attention, flow, widths).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Literal

from artimap.config import check_ranges
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.models import MODELS, check_config, config_class
from artimap.train_config import TrainConfig

TASK = "lip2tongue"
# Tiny presets of the registry models (`tiny: true`), as "module:CONSTANT".
TINY = {
    "lip2tongue_ts_cnn_lstm": "artimap.models.ts_cnn_lstm:TINY_TS_CNN_LSTM",
    "lip2tongue_convlstm": "artimap.models.convlstm:TINY_CONVLSTM",
}
EVAL_OPTIONS = ("max_frames",)  # keyword options of evaluate_run (`artimap evaluate`)


@dataclass
class EvalConfig:
    """Settings of `artimap evaluate` for lip2tongue runs."""

    max_frames: int = 0  # evaluate at most this many test frames, evenly spread (0 = all)
    batch_size: int = 64  # clips per forward pass
    contour: Literal["auto", "raw", "fan"] = "auto"  # extractor; auto: from the prepare settings
    nn_max_clips: int = 20000  # training clips searched by the nearest-neighbour reference
    nn_size: int = 12  # side of the downsampled lip frames the nearest-neighbour search compares
    n_samples: int = 8  # test frames kept in eval/samples.npz, spread over the tongue's range

    def __post_init__(self) -> None:
        check_ranges(self, "eval", {"max_frames": ">= 0", "batch_size": ">= 1",
                                    "nn_max_clips": ">= 1", "nn_size": ">= 1", "n_samples": ">= 0"})


def _paper_train() -> TrainConfig:
    return TrainConfig(lr=1e-4, batch_size=32, epochs=100, patience=5)


@dataclass
class ExperimentConfig:
    """One lip2tongue training run."""

    task: str = TASK  # must be "lip2tongue"
    name: str = "ts_cnn_lstm_att"  # row name (a line of Table 2 / 3)
    data: str = "prepared/lip2tongue"  # prepared dataset folder (`artimap prepare lip2tongue`)
    model: str = "lip2tongue_ts_cnn_lstm"  # registry name in artimap.models.MODELS
    model_config: dict[str, Any] = field(default_factory=dict)  # builder values (not data sizes)
    model_scale: dict[str, dict[str, Any]] = field(default_factory=dict)  # registry model ->
    #   builder values over model_config, for experiment `scale:` lists whose rows use models
    #   with different keys (e.g. model_scale.lip2tongue_convlstm.hidden=[8,8,4])
    train: TrainConfig = field(default_factory=_paper_train)  # loop settings (paper: Adam 1e-4)
    clip_len: int = 7  # N lip frames per clip (and N-1 flow fields)
    target_position: Literal["last", "centre", "all"] = "last"  # ultrasound frame(s) predicted
    stride: int = 1  # training and validation clips start every `stride` frames
    max_train_clips: int = 0  # random subset of training clips, drawn per seed (0 = all)
    max_val_clips: int = 0  # validate on this many clips evenly spread over val (0 = all)
    normalise_inputs: bool = True  # standardise frames and flow with the training statistics
    normalise_target: bool = True  # loss on standardised targets (else [0, 1] images / raw points)
    target_norm: Literal["pixel", "scalar"] = "pixel"  # image targets: subtract the mean image or
    #   one scalar mean (module doc); points are always per point and coordinate
    zero_output: bool = True  # output layer starts at zero: an untrained model predicts the
    #   training mean (with normalise_target), the first steps need not unlearn random outputs
    eigentongue_k: int = 0  # > 0: K-unit bottleneck decoded by the top-K PCA of the training
    #   targets (tasks/lip2tongue/heads.py); 0 = the paper's plain linear output layer
    eigentongue_init: Literal["injected", "random"] = "injected"  # output layer from the PCA
    #   basis, or a zero one behind the same K-unit bottleneck (the comparison)
    freeze_decoder: bool = False  # keep the injected basis fixed during training
    loss_blur_sigma: float = 0.0  # > 0: MSE of Gaussian-blurred prediction and target (px)
    aux_lip_weight: float = 0.0  # > 0: the frame tower's first 4 features, before their
    #   activation, regress 4 lip targets (aux_lip_source) with this weight (not the paper's
    #   model)
    aux_lip_source: Literal["truth", "measured"] = "truth"  # lip targets: the talker's TRUE
    #   jaw/lip parameters (talker corpora only) or the lip measurer's aperture, width, outer
    #   height and area (any corpus prepared with --lips measured; heads.LipTargets)
    aux_lip_pretrain_steps: int = 0  # > 0 (needs aux_lip_weight): first train the frame tower
    #   alone on single frames -> true lip parameters this many steps (lip_pretrain.py)
    readout: Literal["sgd", "ridge"] = "sgd"  # ridge: after training, refit the output layer in
    #   closed form on the learnt codes, penalty picked on val (tasks/lip2tongue/readout.py)
    tiny: bool = False  # start the model config from the model's tiny preset (smoke runs)
    eval: EvalConfig = field(default_factory=EvalConfig)  # evaluation settings

    def __post_init__(self) -> None:
        # every setting is checked when the config is read, before a run (or an experiment's
        # first row) starts: model_config against the model's typed config included
        if self.task != TASK:
            raise ArtimapError(f"task: expected {TASK!r} for this config, got {self.task!r}")
        check_ranges(self, "", {
            "clip_len": ">= 1", "stride": ">= 1", "max_train_clips": ">= 0",
            "max_val_clips": ">= 0", "eigentongue_k": ">= 0", "loss_blur_sigma": ">= 0",
            "aux_lip_weight": ">= 0", "aux_lip_pretrain_steps": ">= 0"})
        if self.model_config.get("lip_quadratic") and self.readout != "ridge":
            raise ArtimapError("model_config.lip_quadratic: the lip term is filled only by the "
                               "ridge readout; set readout: ridge")
        if self.aux_lip_source != "truth" and not self.aux_lip_weight:
            raise ArtimapError(f"aux_lip_source: {self.aux_lip_source} is used only by the lip "
                               "loss; set aux_lip_weight > 0")
        if self.aux_lip_pretrain_steps and not self.aux_lip_weight:
            raise ArtimapError("aux_lip_pretrain_steps: needs aux_lip_weight > 0 (the lip "
                               "estimates it pretrains are kept by that loss)")
        check_model_config(self)


def _model_values(cfg: ExperimentConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the model's tiny preset if `tiny`, else {}; model_config < model_scale[model])."""
    unknown = sorted(set(cfg.model_scale) - set(MODELS))
    if unknown:
        raise ArtimapError(f"model_scale: unknown model(s) {', '.join(unknown)}; "
                           f"valid: {', '.join(sorted(MODELS))}")
    given = {**cfg.model_config, **cfg.model_scale.get(cfg.model, {})}
    if not cfg.tiny:
        return {}, given
    if cfg.model not in TINY:
        raise ArtimapError(f"tiny: no tiny preset for model {cfg.model!r}; "
                           f"models with one: {', '.join(sorted(TINY))}")
    module, name = TINY[cfg.model].split(":")
    return dict(getattr(importlib.import_module(module), name)), given


def check_model_config(cfg: ExperimentConfig) -> None:
    """model_config and model_scale against the models' typed configs (keys, types, ranges),
    before any data is read: the sizes the data fix keep the model's defaults here."""
    for name, values in cfg.model_scale.items():
        if name != cfg.model:
            check_config(name, values, prefix=f"model_scale.{name}.")
    base, given = _model_values(cfg)
    check_config(cfg.model, {**base, **given, "n_frames": cfg.clip_len,
                             "target_position": cfg.target_position})


def data_model_config(cfg: ExperimentConfig, manifest: dict) -> dict[str, Any]:
    """Model config values fixed by the data and the run config (sizes, clip, head)."""
    s = manifest["settings"]
    out: dict[str, Any] = {"n_frames": cfg.clip_len, "in_size": int(s["image_size"]),
                           "target_position": cfg.target_position}
    if s["target"] == "image":
        out.update(head="image", out_h=int(s["target_size"][0]), out_w=int(s["target_size"][1]))
    else:
        out.update(head="points", n_points=int(manifest["arrays"]["targets"]["shape"][1]))
    return out


def resolve_model_config(cfg: ExperimentConfig, manifest: dict) -> dict[str, Any]:
    """The full builder dict: tiny preset (if asked) < model_config < model_scale[model] <
    data-derived values."""
    base, given_config = _model_values(cfg)
    derived = data_model_config(cfg, manifest)
    for key, value in derived.items():
        base.pop(key, None)
        given = given_config.get(key, value)
        if given != value:
            raise ArtimapError(
                f"model_config.{key}: {given!r} disagrees with {value!r} set by the data or "
                f"by clip_len/target_position; remove model_config.{key} (or model_scale)")
    out = {**base, **given_config, **derived}
    if cfg.eigentongue_k > 0:  # the last FC layer is the K-unit code the basis decodes
        if "fc_dims" not in out:
            out["fc_dims"] = list(config_class(cfg.model).fc_dims)
        out["fc_dims"] = [*list(out["fc_dims"])[:-1], cfg.eigentongue_k]
    return out


def data_meta(cfg: ExperimentConfig, prepared: Prepared) -> dict[str, Any]:
    """Data settings a checkpoint needs to be used on new video (plain values)."""
    manifest = prepared.manifest
    s = manifest["settings"]
    rois = {u["speaker"]: u["roi"] for u in manifest["utterances"]}
    return {
        "prepared": cfg.data, "clip_len": cfg.clip_len,
        "target_position": cfg.target_position,
        "target": s["target"], "image_size": int(s["image_size"]),
        "target_size": [int(v) for v in s["target_size"]], "ultrasound": s["ultrasound"],
        "flow": s["flow"], "fps": float(s["fps"]), "target_units": manifest["target_units"],
        "point_names": list(manifest.get("point_names", [])), "rois": rois,
        "fan_image": manifest.get("fan_image"),  # exact fan geometry; None: estimate it
    }
