"""phone2face end to end: the smoke study through `artimap experiment` (results.csv, metrics,
summary.md, figures) and `artimap predict` (C3D, Motive CSV, marker video)."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import cv2
import ezc3d
import numpy as np
import pytest
import torch

from artimap.commands.predict import task_parser
from artimap.errors import ArtimapError
from artimap.experiment import run_experiment
from artimap.io.optitrack import read_motive_csv
from artimap.metrics.markers import p2f_metrics
from artimap.parallel import torch_threads
from artimap.tasks import phone2face
from artimap.tasks.phone2face.predict import phone_frames
from artimap.tasks.phone2face.render import find_ffmpeg

PAPER = Path(__file__).resolve().parents[1] / "configs" / "phone2face" / "paper.yaml"
ROWS = ["baseline", "pca_injected", "pca_random", "blend_injected", "blend_random",
        "ae_injected", "ae_random"]


@pytest.fixture(scope="module")
def study(p2f_prepared, tmp_path_factory) -> Path:
    """The paper experiment, smoke settings, one seed."""
    out = tmp_path_factory.mktemp("p2f_study") / "out"
    with torch_threads(1):  # GRUs on a shared 2-core machine
        res = run_experiment(PAPER, out, seeds=1, smoke=True, data=str(p2f_prepared))
    assert (res["trained"], res["skipped"], res["failed"]) == (7, 0, 0)
    return out


def test_results_summary_and_figures(study):
    with open(study / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["config"] for r in rows] == ROWS and {r["seed"] for r in rows} == {"0"}
    assert list(rows[0]) == phone2face.result_columns()
    for r in rows:
        assert 0 < float(r["rmse_mm"]) < 10 and -1 <= float(r["corr"]) <= 1
        assert float(r["lip_error_mm"]) > 0 and r["best_epoch"] == "1"
        assert (r["basis_rmse_mm"] != "") == r["config"].endswith("injected")
    summary = (study / "summary.md").read_text()
    assert "Smoke run" in summary and "Table 1" in summary
    pca = next(line for line in summary.splitlines() if line.startswith("| pca |"))
    assert "0.33" in pca  # ours beside the published value
    base = next(line for line in summary.splitlines() if line.startswith("| baseline |"))
    assert f"{float(rows[0]['rmse_mm']):.3f}" in base and "~70" in base
    refs = [line.split(" | ")[0] for line in summary.splitlines() if "| reference |" in line]
    assert refs == ["| mean_face", "| ridge_phones", "| oracle", "| oracle_same_noise"]
    figures = {p.name for p in (study / "figures").glob("*.png")}
    assert {f"loss_{r}.png" for r in ROWS} | {"violin_rmse.png", "violin_corr.png",
                                              "trajectory_upper_lip.png"} <= figures
    assert all((study / "figures" / f).stat().st_size > 5000 for f in figures)


def test_metrics_json_matches_the_metric_functions(study, p2f_prepared):
    run = study / "pca_injected" / "seed0"
    m = json.loads((run / "eval" / "metrics.json").read_text())
    split = json.loads((p2f_prepared / "split.json").read_text())
    assert m["split"] == "test" and m["n_utterances"] == len(split["test"])
    visual = {"closure_error_mm", "closure_hit", "protrusion_error_mm"}
    assert set(m["metrics"]) == {"rmse_mm", "euclid_mm", "corr", "lip_error_mm", "gap_closed",
                                 *visual}
    refs = m["references"]  # a talker corpus: the floor, the ridge baseline and both oracles
    assert list(refs) == ["mean_face", "ridge_phones", "oracle", "oracle_same_noise"]
    assert all(ref["description"] for ref in refs.values())
    ridge = refs["ridge_phones"]
    assert set(ridge) == set(m["metrics"]) | {"description"}  # scored like the model
    assert np.isfinite(ridge["rmse_mm"]["mean"]) and np.isfinite(ridge["gap_closed"]["mean"])
    assert refs["mean_face"]["gap_closed"]["mean"] == 0
    assert refs["oracle"]["gap_closed"]["mean"] == 1
    assert refs["oracle"]["rmse_mm"]["mean"] < 0.5 < refs["mean_face"]["rmse_mm"]["mean"]
    assert refs["oracle"]["closure_hit"]["mean"] > refs["mean_face"]["closure_hit"]["mean"]
    s = np.load(run / "eval" / "sample.npz")
    lip = [list(s["markers"]).index(n) for n in s["markers"] if str(n).startswith("lip_")]
    ref = p2f_metrics(s["pred"], s["true"], lip, s["mask"])  # the split's one utterance
    for name, pooled in (("rmse_mm", "rmse_pooled_mm"), ("euclid_mm", "euclid_pooled_mm"),
                         ("corr", None), ("lip_error_mm", "lip_error_mm")):
        got = m["metrics"][name]
        assert got["mean"] == pytest.approx(ref[name], abs=1e-5) and got["std"] == 0
        assert got["per_utterance"] == {str(s["id"]): got["mean"]}
        if pooled:
            assert got["pooled"] == pytest.approx(ref[pooled], abs=1e-5)
    assert m["basis"]["rmse_mm"]["test"] > 0 and m["training"]["train_seconds"] > 0


def test_rerun_skips_finished_runs(study, p2f_prepared):
    stamp = (study / "baseline" / "seed0" / "best.pt").stat().st_mtime_ns
    res = run_experiment(PAPER, study, seeds=1, smoke=True, data=str(p2f_prepared))
    assert (res["trained"], res["skipped"]) == (0, 7)
    assert (study / "baseline" / "seed0" / "best.pt").stat().st_mtime_ns == stamp


def predict_args(run: Path, *options: str) -> argparse.Namespace:
    return task_parser(str(run), phone2face).parse_args(list(options))


def test_predict_writes_c3d_csv_and_video(study, talker_tiny, tmp_path):
    run, out = study / "ae_injected" / "seed0", tmp_path / "pred"
    grid, wav = talker_tiny / "s01" / "s01_0004.TextGrid", talker_tiny / "s01" / "s01_0004.wav"
    args = predict_args(run, "--alignment", str(grid), "--audio", str(wav), "--out", str(out),
                        "--tier", "phones", "--size", "120")
    assert phone2face.predict(run, args) == out
    c = ezc3d.c3d(str(out / "s01_0004.c3d"))
    point = c["parameters"]["POINT"]
    meta = torch.load(run / "best.pt", weights_only=True)["meta"]
    assert point["LABELS"]["value"] == list(meta["markers"]) and point["UNITS"]["value"] == ["mm"]
    assert point["RATE"]["value"][0] == 120.0
    duration = json.loads((talker_tiny / "corpus.json").read_text())["utterances"][3]["duration"]
    n = c["data"]["points"].shape[2]
    assert abs(n - duration * 120) <= 2
    motive = read_motive_csv(out / "s01_0004.csv")
    assert motive.labels == list(meta["markers"]) and motive.rate == 120.0
    assert np.allclose(motive.points, c["data"]["points"][:3].transpose(2, 1, 0), atol=1e-3)
    video = cv2.VideoCapture(str(out / "s01_0004.mp4"))
    assert abs(video.get(cv2.CAP_PROP_FRAME_COUNT) - duration * 60) <= 2
    assert video.read()[1].shape == (44 + 120, 240, 3)
    assert (out / "s01_0004.wav").is_file() == (find_ffmpeg() is None)


def test_unknown_phones_are_an_error_naming_them(study, tmp_path):
    meta = torch.load(study / "baseline" / "seed0" / "best.pt", weights_only=True)["meta"]
    meta["phones"]["fallback"] = None
    lab = tmp_path / "x.lab"
    lab.write_text("0 1000000 sil\n1000000 2500000 QQ\n2500000 4000000 a\n")
    with pytest.raises(ArtimapError, match=r"\['QQ'\] are not in the .*--phone-fallback PHONE"):
        phone_frames(meta, lab, None)
    ids, labels = phone_frames(meta, lab, None, fallback="sil")  # predict --phone-fallback sil
    assert labels[15] == "sil" and labels[35] == "a"
    args = predict_args(study / "baseline" / "seed0", "--alignment", str(lab), "--out",
                        str(tmp_path), "--phone-fallback", "sil")
    assert args.phone_fallback == "sil"
    lab.write_text("0 1000000 sil\n1000000 2500000 a\n2500000 4000000 sil\n")
    ids, labels = phone_frames(meta, lab, None)  # 0.4 s at 120 fps
    assert len(ids) == len(labels) == 48 and labels[11:13] == ["sil", "a"]
    assert ids[12] == list(meta["phones"]["phones"]).index("a")
