"""Evaluate an audio2tongue run: predicted vs real targets of a split, every declared metric
per frame, averaged (`artimap.metrics.aggregate.over_frames`), beside the reference rows
(`artimap.tasks.audio_refs`: training mean, ridge on log-mel) scored the same way.

metrics.json: {"metrics": {name: {"mean", "std", "n_frames", "per_utterance"}}, "references":
{row: {..., "description"}}, "units", "definitions", "n_utterances", "n_frames", "config"}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.prepared import Prepared
from artimap.metrics.aggregate import aggregate
from artimap.metrics.declare import definitions, units
from artimap.tasks import tables
from artimap.tasks.audio2tongue import metrics as declared
from artimap.tasks.audio2tongue.config import TASK
from artimap.tasks.audio_refs import add_gap_closed, references
from artimap.tasks.audio_run import split_predictions
from artimap.tasks.scaffold import LoadedRun, evaluate_with


def score_frames(pred: np.ndarray, real: np.ndarray, ids: list[str], image: bool) -> dict:
    """{metric: over_frames summary} of predictions (F, ...) vs targets (F, ...)."""
    per = {m.name: m.function(pred, real) for m in declared.for_target(image)}
    return aggregate(per, ids)



def _score(run: LoadedRun, split: str) -> dict[str, Any]:
    prepared = Prepared.open(run.cfg.data, TASK)
    image = bool(run.meta["image"])
    pred, real, ids = split_predictions(run, prepared, split)
    metrics = score_frames(pred, real, ids, image)
    refs = {name: {**score_frames(p, real, ids, image), "description": text}
            for name, (p, text) in references(prepared, split).items()} if len(ids) else {}
    add_gap_closed(metrics, refs, declared.GAP, mean_only=True)
    unit = declared.length_unit(prepared.manifest["target_units"])
    return {"n_utterances": len(prepared.entries_in(split)), "n_frames": len(ids),
            "units": units(declared.METRICS, length=unit),
            "definitions": definitions(declared.METRICS),
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
