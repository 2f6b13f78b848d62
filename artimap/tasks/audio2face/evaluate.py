"""Evaluate an audio2face run: predicted vs real markers of a split (mm), every declared metric
per utterance and pooled (`artimap.metrics.aggregate.over_utterances`), beside the reference
rows (`artimap.tasks.audio_refs`: the mean face, ridge on log-mel) scored the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.prepared import Prepared
from artimap.metrics.aggregate import over_utterances
from artimap.metrics.declare import definitions, units
from artimap.tasks import tables
from artimap.tasks.audio2face import metrics as declared
from artimap.tasks.audio2face.config import TASK
from artimap.tasks.audio_refs import add_gap_closed, references
from artimap.tasks.audio_run import split_predictions
from artimap.tasks.scaffold import LoadedRun, evaluate_with


def score(pred: np.ndarray, real: np.ndarray, ids: list[str]) -> dict[str, dict]:
    """{metric: over_utterances summary} of markers pred, real (F, M, 3) mm, ids (F,)."""
    order = list(dict.fromkeys(ids))
    at = np.asarray(ids)
    preds = [pred[at == u] for u in order]
    trues = [np.nan_to_num(real[at == u]) for u in order]
    masks = [np.isfinite(real[at == u]).all(-1) for u in order]
    out = {}
    for m in declared.METRICS:
        if m.function is None:
            continue
        per = [m.function([p], [t], [k], False) for p, t, k in zip(preds, trues, masks)]
        out[m.name] = over_utterances(per, order, m.function(preds, trues, masks, True))
    return out



def _score(run: LoadedRun, split: str) -> dict[str, Any]:
    prepared = Prepared.open(run.cfg.data, TASK)
    pred, real, ids = split_predictions(run, prepared, split)
    metrics = score(pred, real, ids) if ids else {}
    refs = {name: {**score(p, real, ids), "description": text}
            for name, (p, text) in references(prepared, split).items()} if ids else {}
    add_gap_closed(metrics, refs, declared.GAP)
    return {"n_utterances": len(set(ids)), "n_frames": len(ids),
            "units": units(declared.METRICS), "definitions": definitions(declared.METRICS),
            "config": {"name": run.cfg.name, "seed": run.cfg.train.seed,
                       "causal": bool(run.meta["model_config"].get("causal", False))},
            "metrics": metrics, "references": refs}


def evaluate_run(run_dir: Path, split: str = "test", allow_other_data: bool = False,
                 data: str | Path | None = None) -> dict:
    """Evaluate the run's best checkpoint on `split`; writes and returns eval/metrics.json."""
    return evaluate_with(TASK, run_dir, split, _score, allow_other_data, data)


def result_columns() -> list[str]:
    """The results.csv columns: config, seed, every declared metric, best_epoch,
    train_seconds."""
    return tables.result_columns(declared.METRICS)


def result_row(run_dir: Path, metrics: dict) -> dict:
    """One results.csv row (`result_columns`)."""
    cfg = metrics.get("config", {})
    return tables.result_row(declared.METRICS, metrics, cfg.get("name"), cfg.get("seed"))
