"""`artimap evaluate`: other splits never overwrite the test metrics a finished run is known by."""

from __future__ import annotations

import json
import shutil

import torch

from artimap.cli import main


def test_val_split_is_written_beside_the_test_metrics(l2t_run, tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(l2t_run, run)
    test_metrics = (run / "eval" / "metrics.json").read_text()
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda f, *a, **k: loads.append(f) or real_load(
        f, *a, **k))
    assert main(["evaluate", str(run), "--split", "val"]) == 0
    assert len(loads) == 1  # the data check uses the meta of the model's one load
    assert "metrics_val.json" in capsys.readouterr().out
    assert (run / "eval" / "metrics.json").read_text() == test_metrics
    assert json.loads((run / "eval" / "metrics_val.json").read_text())["split"] == "val"
