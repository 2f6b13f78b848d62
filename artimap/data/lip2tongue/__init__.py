"""lip2tongue data: lip video + ultrasound (or tongue points) -> synchronised, cropped,
optical-flow datasets, and the clip dataset that reads them.

Modules: sources (find utterances per format), streams (read them), sync (clocks and
resampling), roi (mouth box), flow (optical flow methods), inputs (the one lip frame -> model
input path: crop, grey, resize, flow, dtype, scale, layout; batch and per-frame), utterance
(one utterance's work), assemble (boxes per speaker, final arrays), prepare (the CLI step),
dataset (clips), normalise (training-split statistics). Nothing heavy is imported until used.
"""

from __future__ import annotations

_LAZY = {
    "Lip2TongueDataset": "artimap.data.lip2tongue.dataset",
    "fit_normalisation": "artimap.data.lip2tongue.normalise",
    "training_mean_target": "artimap.data.lip2tongue.normalise",
    "open_prepared": "artimap.data.lip2tongue.dataset",
}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        # deferred: lazy package attribute
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
