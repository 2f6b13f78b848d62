"""Evaluate a phone2face run: predicted vs real marker trajectories of a split, in mm.

metrics.json: {"metrics": {name: {"mean", "std" (over utterances), "pooled" (over all frames
of all utterances; None for corr), "per_utterance": {id: value}}}, "training", "basis",
"units", "definitions", "n_utterances", "n_frames", ...}. Names (declared in
artimap.tasks.phone2face.metrics; today):
    rmse_mm       RMSE per coordinate (over frames and the M*3 values)
    euclid_mm     mean per-marker Euclidean distance (over frames and M markers)
    corr          Pearson correlation per channel (M*3) per utterance, averaged
    lip_error_mm  per frame the largest lip-marker Euclidean error, averaged over frames
    gap_closed    share of the mean-face -> oracle RMSE gap closed (talker corpora)
    closure_error_mm, closure_hit, protrusion_error_mm  lip measures at bilabial / rounded-
                  vowel token centres (artimap.metrics.visemes)
"references": the same metrics, and a description, of the mean face, of ridge_phones (ridge
from a window of phones, the simple baseline) and, on talker corpora, of the oracle
(`references.py`).
eval/sample.npz keeps one utterance (the split's first) for the trajectory figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.phone2face.dataset import Phone2FaceDataset
from artimap.fsutil import atomic_path
from artimap.metrics.aggregate import gap_closed, over_utterances
from artimap.metrics.declare import definitions, units
from artimap.tasks import tables
from artimap.tasks.phone2face import metrics as declared
from artimap.tasks.phone2face import references
from artimap.tasks.phone2face.predictor import Predictor
from artimap.tasks.scaffold import LoadedRun, evaluate_with


def score(preds: list[np.ndarray], trues: list[np.ndarray], masks: list[np.ndarray],
          ids: list[str], lip_idx: list[int] | None = None,
          ctx: declared.ScoreContext | None = None) -> dict[str, dict[str, Any]]:
    """Per-utterance and pooled values of every declared metric (declared.METRICS) that has a
    function; preds, trues (T, M, 3) mm, masks (T, M) bool; ctx (default: only `lip_idx`)
    carries the phones. Metrics the data cannot give are left out."""
    ctx = (ctx or declared.ScoreContext(lip_idx=list(lip_idx or []))).shared()
    # one context per utterance for all metrics, so that they share the token errors
    contexts = [ctx.select(i).shared() if ctx.phone_ids else ctx for i in range(len(preds))]
    out = {}
    for m in declared.METRICS:
        if m.function is None:
            continue
        per = [m.function([p], [t], [k], c, False)
               for p, t, k, c in zip(preds, trues, masks, contexts)]
        if all(v is None for v in per):
            continue
        out[m.name] = over_utterances(per, ids, m.function(preds, trues, masks, ctx, True))
    return out


def evaluate_run(run_dir: Path, split: str = "test", allow_other_data: bool = False,
                 data: str | Path | None = None) -> dict:
    """Evaluate the run's best checkpoint on `split`; writes and returns eval/metrics.json
    (`allow_other_data`: score a dataset other than the run's own; `data`: another prepared
    folder, e.g. another speaker's; see `evaluate_with`)."""
    return evaluate_with("phone2face", run_dir, split, _score, allow_other_data, data)


def _score(run: LoadedRun, split: str) -> dict[str, Any]:
    """The phone2face sections of metrics.json (see the module doc); writes sample.npz."""

    cfg, meta = run.cfg, run.meta
    predictor = Predictor(run.model, meta, run.device)
    ds = Phone2FaceDataset(cfg.data, split)
    markers = list(meta["markers"])
    preds, trues, masks, phone_ids = [], [], [], []
    for i in range(len(ds)):
        item = ds[i]
        n = len(item["phone_ids"])
        preds.append(predictor(item["phone_ids"]))
        trues.append(item["markers"].numpy().reshape(n, len(markers), 3))
        masks.append(item["mask"].numpy().reshape(n, len(markers), 3).all(axis=2))
        phone_ids.append(item["phone_ids"].numpy())
    ctx = references.context(ds.prepared, markers, list(meta.get("lip_markers") or []), phone_ids,
                             list(meta["phones"]["phones"]))
    metrics = score(preds, trues, masks, ds.ids, ctx=ctx) if len(ds) else {}
    got = references.predictions(ds.prepared, ds.ids, list(ds.lengths)) if len(ds) else {}
    refs = {name: {**score(p, trues, masks, ds.ids, ctx=ctx), "description": text}
            for name, (p, text) in got.items()}
    floor, top = refs.get(references.FLOOR), refs.get(references.CEILING)
    for section in (metrics, *refs.values()):
        if floor and top and "rmse_mm" in section:
            section["gap_closed"] = gap_closed(section["rmse_mm"], floor["rmse_mm"],
                                               top["rmse_mm"], higher_better=False)
    if len(ds):
        _save_sample(run.dir / "eval" / "sample.npz", ds, preds[0], trues[0], masks[0], meta)
    return {
        "n_utterances": len(ds), "n_frames": int(sum(ds.lengths)),
        "units": units(declared.METRICS), "definitions": definitions(declared.METRICS),
        "config": {"name": cfg.name, "decoder": cfg.decoder,
                   "init": meta.get("init"), "seed": cfg.train.seed},
        "basis": {"rmse_mm": meta.get("basis_rmse_mm") or {}},
        "metrics": metrics,
        "references": refs,
    }


def _save_sample(path: Path, ds, pred: np.ndarray, true: np.ndarray, mask: np.ndarray,
                 meta: dict[str, Any]) -> None:
    """One utterance for the figures: pred, true (T, M, 3), mask (T, M), phone ids (T,)."""
    phones = list(meta["phones"]["phones"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(
            f, id=np.array(ds.ids[0]), pred=pred, true=true, mask=mask,
            phone_ids=ds[0]["phone_ids"].numpy(), phones=np.array(phones),
            markers=np.array(meta["markers"]), rate=np.array(meta["rate"]),
            upper_lip_centre=np.array(meta.get("upper_lip_centre") or ""),
            lower_lip_centre=np.array(meta.get("lower_lip_centre") or ""),
        )


def result_columns() -> list[str]:
    """The results.csv columns: config, seed, every declared metric, best_epoch,
    train_seconds, decoder, init, basis_rmse_mm."""
    return tables.result_columns(declared.METRICS, "decoder", "init", "basis_rmse_mm")


def result_row(run_dir: Path, metrics: dict) -> dict:
    """One results.csv row (`result_columns`): decoder, init and the basis' test
    reconstruction RMSE (mm; empty for dense / random decoders) after the common columns."""
    cfg = metrics.get("config", {})
    return tables.result_row(
        declared.METRICS, metrics, cfg.get("name"), cfg.get("seed"), decoder=cfg.get("decoder"),
        init=cfg.get("init"),
        basis_rmse_mm=(metrics.get("basis", {}).get("rmse_mm") or {}).get("test"))
