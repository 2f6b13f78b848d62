"""`artimap lips` end to end with a tiny model: outputs, the DeepLabCut round trip, the
few-shot --labels path, train / evaluate modes, the label page's save, and bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_lips import TINY, fake_mouth, fake_set

from artimap.cli import main
from artimap.commands.lips import measure_parser
from artimap.io.dlc import read_dlc_csv, write_dlc_csv
from artimap.io.video import write_video
from artimap.lips.adapt import ADAPTATIONS, DEFAULT_ADAPTATION
from artimap.lips.data import POINTS
from artimap.lips.label_app import create_label_app, pick_frames
from artimap.lips.labels import match_labels
from artimap.lips.train import LipTrainConfig, train_lipnet
from artimap.lips.weights import save_lipnet


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lipnet") / "tiny.pt"
    save_lipnet(path, train_lipnet(fake_set(), TINY, LipTrainConfig(steps=2, batch=4)),
                {"steps": 2})
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """A 12-frame synthetic mouth video and its true points (12, 8, 2)."""
    shapes = [fake_mouth(3 + i, 40) for i in range(12)]
    path = tmp_path_factory.mktemp("lipvid") / "mouth.mp4"
    write_video(path, np.stack([s[0] for s in shapes]), 60.0)
    return path, np.stack([s[1] for s in shapes])


def test_measure_writes_every_output(tiny_model, video, tmp_path):
    out = tmp_path / "out"
    assert main(["lips", str(video[0]), "--out", str(out), "--model", str(tiny_model)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_frames"] == 12 and summary["calibration"] is None
    with open(out / "lips.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12 and {"aperture", "width", "area", "outer_height",
                                "confidence"} <= set(rows[0])
    dlc = read_dlc_csv(out / "lips_dlc.csv")
    assert dlc.bodyparts == list(POINTS) and dlc.index == list(range(12))
    table = np.array([[float(r[f"{p}_{c}"]) for p in POINTS for c in "xy"] for r in rows])
    assert np.allclose(dlc.points.reshape(12, -1), table, atol=0.01)
    assert (out / "overlay.mp4").stat().st_size > 0
    assert main(["lips", str(video[0]), "--out", str(out), "--model", str(tiny_model)]) == 2


def test_labels_calibrate_the_model(tiny_model, video, tmp_path):
    """A 2-step model is far off; 6 labelled frames and an offset bring it near the truth."""
    path, true = video
    few = tmp_path / "few.csv"
    write_dlc_csv(few, true[::2], list(POINTS), [f"labeled-data/mouth/img{i:04d}.png"
                                                 for i in range(0, 12, 2)])
    where, pts = match_labels(few, list(range(12)))
    assert list(where) == [0, 2, 4, 6, 8, 10] and np.allclose(pts, true[::2])
    project = tmp_path / "project.csv"  # a DeepLabCut project's CSV labels other videos too
    write_dlc_csv(project, np.concatenate([true[:3], true[:3] + 50]), list(POINTS),
                  [f"labeled-data/{s}/img{i:04d}.png" for s in ("mouth", "other")
                   for i in range(3)])
    where, pts = match_labels(project, list(range(12)), "mouth")
    assert list(where) == [0, 1, 2] and np.allclose(pts, true[:3])
    plain, fixed = tmp_path / "plain", tmp_path / "fixed"
    main(["lips", str(path), "--out", str(plain), "--model", str(tiny_model)])
    assert main(["lips", str(path), "--out", str(fixed), "--model", str(tiny_model),
                 "--labels", str(few), "--calibration", "offset"]) == 0
    err = {name: np.nanmean(np.abs(read_dlc_csv(d / "lips_dlc.csv").points - true))
           for name, d in (("plain", plain), ("fixed", fixed))}
    assert err["fixed"] < err["plain"] and err["fixed"] < 6.0
    assert "offset on 6 frames" in json.loads((fixed / "summary.json").read_text())[
        "calibration"]
    tuned = tmp_path / "tuned"  # the default: fine-tune the model on the labelled frames
    assert main(["lips", str(path), "--out", str(tuned), "--model", str(tiny_model),
                 "--labels", str(few)]) == 0
    assert "finetune on 6 frames" in json.loads((tuned / "summary.json").read_text())[
        "calibration"]
    moved = read_dlc_csv(tuned / "lips_dlc.csv").points
    assert np.isfinite(moved).all()
    assert np.abs(moved - read_dlc_csv(plain / "lips_dlc.csv").points).max() > 0.01


def test_measure_offers_every_adaptation():
    options = {a.dest: a for a in measure_parser()._actions}
    assert tuple(options["calibration"].choices) == ADAPTATIONS
    assert options["calibration"].default == DEFAULT_ADAPTATION


def test_labels_of_another_recording_are_refused(tiny_model, video, tmp_path, capsys):
    few = tmp_path / "other.csv"
    write_dlc_csv(few, np.zeros((4, 8, 2)), list(POINTS), [500, 501, 502, 503])
    assert main(["lips", str(video[0]), "--out", str(tmp_path / "o"), "--model",
                 str(tiny_model), "--labels", str(few)]) == 2
    assert "only 0 of its 4 rows" in capsys.readouterr().err


def test_train_and_evaluate_modes(tmp_path, capsys):
    root = tmp_path / "labelled"
    data = fake_set(6)
    for g in sorted(set(data.groups)):
        folder = root / g
        folder.mkdir(parents=True)
        rows = [i for i, x in enumerate(data.groups) if x == g]
        for i in rows:
            cv2.imwrite(str(folder / data.names[i]), data.images[i])
        write_dlc_csv(folder / "CollectedData_T.csv", data.points[rows], list(POINTS),
                      [f"labeled-data\\{g}\\{data.names[i]}" for i in rows])
    assert main(["lips", "train", "--data", str(root), "--out", str(tmp_path / "m.pt"),
                 "--steps", "2"]) == 0
    assert (tmp_path / "m.pt").is_file()
    assert main(["lips", "evaluate", "--data", str(root), "--folds", "3", "--steps", "2",
                 "--finetune-steps", "2", "--out", str(tmp_path / "rows.json"), "--speed",
                 "--model", str(tmp_path / "m.pt")]) == 0
    result = json.loads((tmp_path / "rows.json").read_text())
    assert result["speed"]["frames_per_s_one_pass"] > 0
    rows = result["rows"]
    assert [r["method"] for r in rows[:3]] == ["mean", "HOG + ridge", "LipNet zero-shot"]
    assert all(r["n"] == 6 for r in rows)
    assert [r["method"] for r in rows[-3:]] == [
        "LipNet + finetune", "LipNet + finetune + offset", "LipNet + finetune + ridge"]
    cache = tmp_path / "folds"
    assert main(["lips", "evaluate", "--data", str(root), "--folds", "3", "--steps", "2",
                 "--finetune-steps", "2", "--only", "1", "--cache", str(cache),
                 "--out", str(tmp_path / "one.json")]) == 0
    assert sorted(p.name for p in cache.iterdir()) == ["fold1_of3.pt"]
    assert all(r["n"] == 2 for r in json.loads((tmp_path / "one.json").read_text())["rows"])
    assert main(["lips", "evaluate", "--data", str(root), "--folds", "3", "--only", "3"]) == 2


def test_label_page_saves_a_labels_file(tmp_path):
    frames = np.stack([fake_mouth(5, 40)[0]] * 5)
    picks = pick_frames(5, 3)
    assert list(picks) == [0, 2, 4]
    start = np.stack([fake_mouth(5, 40)[1]] * 3)
    out = tmp_path / "few.csv"
    client = create_label_app(frames, list(range(5)), picks, start, out).test_client()
    page = client.get("/").get_data(as_text=True)
    assert page.count("data:image/png;base64,") == 3 and "topmidinner" in page
    posted = [{"index": int(i), "points": s.tolist()} for i, s in zip(picks, start)]
    posted[1]["points"][3] = None  # a point marked not visible
    reply = client.post("/save", json=posted)
    assert reply.status_code == 200 and "saved 3 frames (2 with all 8 points)" in reply.text
    where, pts = match_labels(out, list(range(5)))
    assert list(where) == [0, 2, 4] and np.isnan(pts[1, 3]).all()
    assert np.allclose(pts[0], start[0], atol=0.01)
    assert client.post("/save", json=posted[:1]).status_code == 400
