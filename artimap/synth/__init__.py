"""The virtual talker: a synthetic multimodal speech corpus with known ground truth.

One generative model of a speaker turns random French-like sentences into articulatory
trajectories (Cohen & Massaro coarticulation by default; Gaussian dominance functions or
second-order target tracking on request, `coartic.py`), then renders lip video, raw
ultrasound, face markers and audio, written in the real corpus formats (see `writer.py`).

    utt = synthesize_utterance(speaker=1, index=1, seed=0, preset="tiny")   # in memory
    generate_corpus("out/talker", preset="demo", seed=0, workers=2)        # on disk

Submodules import OpenCV and the io writers; this package imports them only when asked.
"""

from __future__ import annotations

_EXPORTS = {
    "synthesize_utterance": "artimap.synth.utterance",
    "Utterance": "artimap.synth.utterance",
    "generate_corpus": "artimap.synth.corpus",
    "read_contour_csv": "artimap.synth.truth",
    "read_corpus_json": "artimap.synth.truth",
    "PRESETS": "artimap.synth.presets",
    "PHONES": "artimap.synth.phones",
    "PARAMS": "artimap.synth.phones",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        # deferred: lazy package attribute
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'artimap.synth' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
