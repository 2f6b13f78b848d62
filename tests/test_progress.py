"""Long commands say what they are doing: one line per step on stderr (`report`, `study make`,
`contour`), and training's epoch lines name their run (several train side by side)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from test_train_toy import ToyTask, quiet

from artimap.report_build import build_report
from artimap.study import make
from artimap.train import train


def test_epoch_lines_name_their_run(tmp_path, capsys):
    train(ToyTask(n_train=16), quiet(epochs=2), tmp_path / "row_a")
    out = capsys.readouterr()
    lines = [ln for ln in (out.out + out.err).splitlines() if " step " in ln]
    assert len(lines) == 2 and all(ln.startswith("row_a: epoch ") for ln in lines)


def test_report_prints_its_steps(l2t_run, capsys):
    build_report(l2t_run)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("report: finding runs below") and "report: 1 run(s) found" in err
    assert any(ln.startswith("report: lip2tongue: results table") for ln in err)
    assert any(ln.startswith("report: lip2tongue: figures") for ln in err)


def test_study_make_prints_a_line_per_row(tmp_path, capsys, monkeypatch):
    rows = [SimpleNamespace(name=n, dir=tmp_path / n) for n in ("a", "b")]
    frames = {"real": np.zeros((2, 4, 6)), "pred": np.ones((2, 4, 6)),
              "utterance": np.zeros(2), "frame": np.arange(2), "utterance_id": ["u", "u"]}
    monkeypatch.setattr(make, "_methods", lambda experiment: rows)
    monkeypatch.setattr(make, "predict_random_frames", lambda *a: frames)
    make.make_study(tmp_path / "exp", tmp_path / "study", frames=2)
    err = capsys.readouterr().err.splitlines()
    assert err == ["study make: predicting 2 test frames with row a (1/2)",
                   "study make: predicting 2 test frames with row b (2/2)",
                   f"study make: writing 6 images to {Path(tmp_path / 'study' / 'images')}"]
