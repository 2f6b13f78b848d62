"""`artimap evaluate`: other splits never overwrite the test metrics a finished run is known by."""

from __future__ import annotations

import json
import shutil

from artimap.cli import main


def test_val_split_is_written_beside_the_test_metrics(l2t_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(l2t_run, run)
    test_metrics = (run / "eval" / "metrics.json").read_text()
    assert main(["evaluate", str(run), "--split", "val"]) == 0
    assert "metrics_val.json" in capsys.readouterr().out
    assert (run / "eval" / "metrics.json").read_text() == test_metrics
    assert json.loads((run / "eval" / "metrics_val.json").read_text())["split"] == "val"
