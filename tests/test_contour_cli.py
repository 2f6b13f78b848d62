"""`artimap contour`: outputs on real labelled frames and a raw AAA recording, and the held-out
number reported in benchmarks/RESULTS.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from artimap.cli import main
from artimap.io.dlc import read_dlc_csv
from artimap.io.video import read_video

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "../shared/data/ultrasound_labels/labeled-data"
HELD_OUT = "Ultrax_TD_003"


def _run(capsys, *argv) -> dict:
    assert main(["contour", *map(str, argv)]) == 0
    got = capsys.readouterr()
    assert "contour: extracting the contours of" in got.err  # one line per step
    return json.loads(got.out.strip().splitlines()[-1])


def _results_row(name: str) -> tuple[float, float]:
    text = (ROOT / "benchmarks/RESULTS.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if f"held out: {name}" in line)
    got, ref = re.findall(r"([\d.]+) px", row)[:2]
    return float(got), float(ref)


def test_contour_reproduces_results_held_out_set(tmp_path, capsys):
    folder = LABELS / HELD_OUT
    if not folder.is_dir():
        pytest.skip("../shared/data not present")
    out = _run(capsys, folder, "--labels", folder / "CollectedData_AW.csv", "--out", tmp_path)
    got, ref = _results_row(HELD_OUT)
    assert out["msd"]["n"] == 20
    assert out["msd"]["msd_px"] == pytest.approx(got, abs=0.006)
    assert out["msd"]["baseline_px"] == pytest.approx(ref, abs=0.006)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["msd"] == out["msd"]  # every key is explained beside the numbers
    assert {k.replace("_px", "_UNIT") for k in out["msd"]} == set(saved["msd_legend"])
    dlc = read_dlc_csv(tmp_path / "contours_dlc.csv")
    assert dlc.points.shape == (20, 160, 2) and dlc.index[0] == "img081.png"
    assert np.isfinite(dlc.points).any(axis=(1, 2)).all()
    frames, _ = read_video(tmp_path / "overlay.mp4")
    assert frames.shape == (20, 240, 320)
    per_frame = (tmp_path / "msd_per_frame.csv").read_text().splitlines()
    assert per_frame[0].startswith("frame,name,msd_px,baseline_px") and len(per_frame) == 21


def test_contour_raw_ult_in_mm_with_flags(tmp_path, capsys):
    ult = ROOT / "../shared/data/aaa_ult/File156_gap/File156.ult"
    if not ult.is_file():
        pytest.skip("../shared/data not present")
    out = _run(capsys, ult, "--out", tmp_path, "--no-video", "--sigma", "1.5", "--band", "0.2,0.9")
    assert out["mm"] and out["frames"] == 229
    assert out["config"]["sigma"] == 1.5 and out["config"]["band"] == [0.2, 0.9]
    head = (tmp_path / "contours.csv").read_text().splitlines()
    assert head[0] == "frame,name,time_s,point,x_px,y_px,x_mm,y_mm"
    ys = [float(r.split(",")[7]) for r in head[1:] if r.split(",")[7]]
    assert 20 < np.median(ys) < 90  # tongue surface some cm from the probe


def test_contour_bad_setting_is_clear(tmp_path):
    with pytest.raises(SystemExit):
        main(["contour", str(tmp_path), "--out", str(tmp_path / "o"), "--bogus", "1"])
    assert main(["contour", str(tmp_path / "missing.ult"), "--out", str(tmp_path / "o")]) == 2
