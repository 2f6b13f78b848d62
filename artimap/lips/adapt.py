"""Adapting the lip model to one speaker from their few labelled frames (`--labels`).

`ADAPTATIONS` names what `artimap lips --adapt` offers: fine-tuning the model
(`finetune.finetune`), fine-tuning followed by a post-hoc correction fitted on the same
frames, or a post-hoc correction alone (`calibrate`, the model unchanged).
"""

from __future__ import annotations

import numpy as np

from artimap.lips.calibrate import METHODS, Calibration, fit_calibration
from artimap.lips.data import LabelledFrames
from artimap.lips.finetune import FineTuneConfig, finetune
from artimap.lips.model import LipNet
from artimap.lips.predict import predict_frames

ADAPTATIONS: tuple[str, ...] = ("finetune", *(f"finetune+{m}" for m in METHODS), *METHODS)
DEFAULT_ADAPTATION = "finetune"  # the best held-out in benchmarks/RESULTS.md


def adapt(model: LipNet, frames: np.ndarray, points: np.ndarray, how: str = DEFAULT_ADAPTATION,
          scales: tuple[float, ...] = (1.0,), cfg: FineTuneConfig | None = None
          ) -> tuple[LipNet, Calibration | None]:
    """The model (fine-tuned or not) and the correction (or None) for one speaker, from
    (K, H, W) uint8 labelled frames and their (K, 8, 2) labelled points (NaN = not labelled).
    `scales` are the test-time zooms the correction's predictions use."""
    if how not in ADAPTATIONS:
        raise ValueError(f"unknown adaptation {how!r}; choose one of {', '.join(ADAPTATIONS)}")
    if how.startswith("finetune"):
        data = LabelledFrames(list(frames), points, ["speaker"] * len(frames),
                              [f"{i}" for i in range(len(frames))])
        model = finetune(model, data, cfg or FineTuneConfig())
    method = how.removeprefix("finetune").lstrip("+")
    if not method:
        return model, None
    pred = predict_frames(model, frames, scales=scales)
    return model, fit_calibration(pred.points, points, method, pred.features)
