"""A metric is declared once: adding one to a task's declaration puts it in metrics.json, the
results row and columns, the summary tables and the units, with nothing else to edit."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from artimap.metrics import aggregate
from artimap.metrics.declare import Metric, definitions, union, units
from artimap.tasks import lip2tongue, phone2face
from artimap.tasks.lip2tongue import metrics as l2t_declared
from artimap.tasks.phone2face import metrics as p2f_declared
from artimap.tasks.phone2face.evaluate import score
from artimap.tasks.phone2face.summary import table_runs


def _quarter(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    return np.full(len(pred), 0.25)  # a known answer for every frame


QUARTER = Metric("quarter", _quarter, "toy units", True, "0.25 everywhere", "Quarter")


def test_a_declared_lip2tongue_metric_reaches_every_output(l2t_run, tmp_path, monkeypatch):
    monkeypatch.setattr(l2t_declared, "IMAGE_METRICS", (*l2t_declared.IMAGE_METRICS, QUARTER))
    monkeypatch.setattr(l2t_declared, "METRICS", union(l2t_declared.METRICS, (QUARTER,)))
    run = tmp_path / "run"
    shutil.copytree(l2t_run, run)
    m = lip2tongue.evaluate_run(run, "test", max_frames=6)
    assert m["metrics"]["quarter"]["mean"] == 0.25 and m["metrics"]["quarter"]["std"] == 0
    assert m["units"]["quarter"] == "toy units" and "ssim" in m["metrics"]
    assert m["references"]["train_mean"]["quarter"]["mean"] == 0.25  # not an old cache entry
    assert json.loads((run / "eval" / "metrics.json").read_text())["metrics"]["quarter"]

    columns = lip2tongue.result_columns()
    assert columns[-3:] == ["quarter", "best_epoch", "train_seconds"]
    row = lip2tongue.result_row(run, m)
    assert list(row) == columns and row["quarter"] == 0.25

    exp = {"description": "toy", "file": "toy.yaml", "seeds": [0, 1], "smoke": True,
           "runs": [{"name": "ts_cnn_lstm_att", "seeds": [0], "run_dirs": [str(run)]}]}
    rows = [{**row, "config": "ts_cnn_lstm_att"}, {**row, "config": "other", "quarter": 0.5}]
    lip2tongue.summarise(rows, exp, tmp_path / "out")
    lines = (tmp_path / "out" / "summary.md").read_text().splitlines()
    head = next(line for line in lines if line.startswith("| method | attention"))
    assert head.endswith("| MSD (px) | paper | R2 (blurred) | true-contour MSD (mm) "
                         "| gap closed | Quarter | seeds |")
    full = next(line for line in lines if line.startswith("| TS-CNN-LSTM | yes"))
    assert "| 4.953 |" in full and full.endswith("| 0.250 | 1 |")  # paper's MSD ... ours
    assert next(line for line in lines if line.startswith("| other |")).endswith("| 0.500 | 1 |")
    assert (tmp_path / "out" / "figures" / "tongue_track.png").is_file()  # the track figure
    refs = next(line for line in lines if line.startswith("| train_mean |"))
    assert "| 0.250 |" in refs


def _max_error(preds, trues, masks, lip_idx, pooled: bool) -> float | None:
    """Largest marker error (mm) over valid frames: the same pooled or not."""
    return max(float(np.linalg.norm(p - t, axis=2)[k].max())
               for p, t, k in zip(preds, trues, masks))


def test_a_declared_phone2face_metric_reaches_every_output(monkeypatch):
    toy = Metric("max_error_mm", _max_error, "mm", False, "largest marker error", "max error mm")
    monkeypatch.setattr(p2f_declared, "METRICS", (*p2f_declared.METRICS, toy))
    rng = np.random.default_rng(0)
    trues = [rng.normal(size=(n, 3, 3)) for n in (5, 8)]
    preds = [t + 0.1 for t in trues]  # every coordinate 0.1 off: error sqrt(0.03) per marker
    preds[1][2, 1] += 1.0  # one marker far off in the second utterance
    masks = [np.ones(t.shape[:2], bool) for t in trues]
    got = score(preds, trues, masks, ["a", "b"], lip_idx=[])
    assert "lip_error_mm" not in got  # no lip markers: left out, not reported as missing
    far = float(np.linalg.norm(np.full(3, 0.1) + [1.0, 1.0, 1.0]))
    assert got["max_error_mm"]["per_utterance"] == pytest.approx(
        {"a": np.sqrt(0.03), "b": far}, abs=1e-6)
    assert got["max_error_mm"]["pooled"] == pytest.approx(far, abs=1e-6)
    assert units(p2f_declared.METRICS)["max_error_mm"] == "mm"
    assert definitions(p2f_declared.METRICS)["max_error_mm"] == "largest marker error"

    evaluated = {"config": {"name": "baseline", "seed": 0, "decoder": "dense", "init": "random"},
                 "metrics": got, "training": {"best_epoch": 3, "train_seconds": 1.5}}
    row = phone2face.result_row(None, evaluated)
    assert list(row) == phone2face.result_columns()
    assert row["max_error_mm"] == got["max_error_mm"]["mean"] and row["lip_error_mm"] is None
    lines = table_runs({"baseline": [row, {**row, "max_error_mm": row["max_error_mm"] + 0.2}]})
    assert "| max error mm |" in lines[0]
    mean = got["max_error_mm"]["mean"] + 0.1
    assert f"| {mean:.3f} ± {np.std([mean - 0.1, mean + 0.1], ddof=1):.3f} |" in lines[2]


def test_aggregations_count_missing_values_and_keep_utterance_order():
    per = aggregate.over_frames(np.array([1.0, np.nan, 3.0, 5.0]), ["b", "b", "a", "a"])
    assert per == {"mean": 3.0, "std": pytest.approx(1.632993, abs=1e-6), "n_frames": 3,
                   "n_missing": 1, "per_utterance": {"b": 1.0, "a": 4.0}}
    utt = aggregate.over_utterances([2.0, None, 4.0], ["x", "y", "z"], pooled=float("nan"))
    assert utt == {"mean": 3.0, "std": 1.0, "pooled": None,
                   "per_utterance": {"x": 2.0, "y": None, "z": 4.0}}
    assert aggregate.reduce_sums([(8.0, 2), (0.0, 0), (1.0, 1)], pooled=True) == 3.0
    assert aggregate.reduce_sums([(8.0, 2), (1.0, 1)], pooled=False, root=True) == 1.5
