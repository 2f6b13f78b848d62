"""`artimap experiment`: rows x seeds, results.csv, summary.md, figures, skipping finished runs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from artimap.config import to_dict
from artimap.errors import ArtimapError
from artimap.experiment import check_unchanged, plan, read_experiment, run_experiment

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "lip2tongue"


def experiment_file(folder: Path, **extra) -> Path:
    """Two shipped rows (one renamed) with paper.yaml's smoke overrides."""
    paper = yaml.safe_load((CONFIGS / "paper.yaml").read_text())
    exp = {"task": "lip2tongue", "description": "two rows",
           "runs": [{"config": str(CONFIGS / "raw_frames.yaml")},
                    {"config": str(CONFIGS / "ts_cnn_lstm_att.yaml"), "name": "full"}],
           "seeds": 1, "smoke": paper["smoke"], **extra}
    path = folder / "exp.yaml"
    path.write_text(yaml.safe_dump(exp))
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_smoke_experiment_then_rerun_skips_finished_runs(l2t_prepared, tmp_path):
    path, out = experiment_file(tmp_path), tmp_path / "out"
    res = run_experiment(path, out, smoke=True, data=str(l2t_prepared))
    assert (res["trained"], res["skipped"]) == (2, 0)
    rows = read_csv(out / "results.csv")
    assert [(r["config"], r["seed"]) for r in rows] == [("raw_frames", "0"), ("full", "0")]
    assert list(rows[0])[:6] == ["config", "seed", "ssim", "cw_ssim", "cw_ssim_pyssim", "msd"]
    assert all(0 < float(r["ssim"]) < 1 and r["best_epoch"] == "1" for r in rows)
    summary = (out / "summary.md").read_text()
    assert "## Table 2: methods" in summary and "## Table 3: ablation" in summary
    raw = next(line for line in summary.splitlines() if line.startswith("| raw images"))
    assert f"{float(rows[0]['ssim']):.3f}" in raw and "0.683" in raw  # ours beside the paper's
    assert "| full |" in summary and "nearest_neighbour" in summary
    for name in ("figure2_grid", "loss_raw_frames", "loss_full"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    first = (out / "full" / "seed0" / "best.pt").stat().st_mtime_ns

    # a second seed, two training processes at a time; the finished seed-0 runs are kept
    res = run_experiment(path, out, smoke=True, data=str(l2t_prepared), seeds=2, workers=2)
    assert (res["trained"], res["skipped"]) == (2, 2)
    assert (out / "full" / "seed0" / "best.pt").stat().st_mtime_ns == first
    log = (out / "full" / "seed1" / "train.log").read_text()  # written by the subprocess
    assert "trained lip2tongue/full: 2 steps" in log and "split test, 24 frames" in log
    rows = read_csv(out / "results.csv")
    assert sorted((r["config"], r["seed"]) for r in rows) == [
        ("full", "0"), ("full", "1"), ("raw_frames", "0"), ("raw_frames", "1")]
    assert "± " in (out / "summary.md").read_text()  # std over two seeds


def test_missing_data_says_how_to_make_it(tmp_path):
    path = experiment_file(tmp_path)
    with pytest.raises(ArtimapError, match=r"artimap prepare lip2tongue --corpus CORPUS"):
        run_experiment(path, tmp_path / "out", smoke=True, data=str(tmp_path / "nothing"))


def test_bad_experiment_files_name_the_problem(tmp_path):
    with pytest.raises(ArtimapError, match="unknown key"):
        read_experiment(experiment_file(tmp_path, epochs=3))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"task": "lip2tongue", "runs": [{"file": "x.yaml"}]}))
    with pytest.raises(ArtimapError, match="'runs' must be a non-empty list"):
        read_experiment(bad)
    path = experiment_file(tmp_path, smoke=["no_such_key=1"])
    with pytest.raises(ArtimapError, match="no_such_key"):
        run_experiment(path, tmp_path / "out", smoke=True, data=str(tmp_path))
    bad.write_text(yaml.safe_dump({"task": "lip2tongue",
                                   "runs": [{"config": "x.yaml", "smoke": "tiny=true"}]}))
    with pytest.raises(ArtimapError, match="'smoke' must be a list"):
        read_experiment(bad)


def test_a_row_smoke_list_applies_to_that_row_under_smoke_only(tmp_path):
    path = experiment_file(tmp_path)
    exp = yaml.safe_load(path.read_text())
    exp["runs"][1]["smoke"] = ["stride=3"]
    path.write_text(yaml.safe_dump(exp))
    for smoke, strides in ((False, [1, 1]), (True, [1, 3])):
        specs = plan(path, tmp_path / "out", smoke=smoke, data=str(tmp_path))[2]
        assert [s.config.stride for s in specs] == strides


def test_changed_settings_do_not_reuse_old_runs(l2t_prepared, tmp_path):
    path, out = experiment_file(tmp_path), tmp_path / "out"
    spec = plan(path, out, smoke=True, data=str(l2t_prepared))[2][0]
    saved = to_dict(spec.config)
    saved["train"]["lr"] = 0.5  # as if an earlier run had used another learning rate
    spec.dir.mkdir(parents=True)
    (spec.dir / "experiment.yaml").write_text(yaml.safe_dump(saved))
    with pytest.raises(ArtimapError, match=r"raw_frames/seed0: was run with other settings "
                                           r"\(train.lr differ\)"):
        run_experiment(path, out, smoke=True, data=str(l2t_prepared))


def test_settings_added_since_a_run_count_as_unchanged_at_their_default(l2t_prepared, tmp_path):
    path, out = experiment_file(tmp_path), tmp_path / "out"
    spec = plan(path, out, smoke=True, data=str(l2t_prepared))[2][0]
    saved = to_dict(spec.config)
    del saved["train"]["lr_warmup"]  # as if the run predated the setting
    spec.dir.mkdir(parents=True)
    (spec.dir / "experiment.yaml").write_text(yaml.safe_dump(saved))
    check_unchanged([spec])
    spec.config.train.lr_warmup = 0.3  # not the default: a real change
    with pytest.raises(ArtimapError, match=r"\(train.lr_warmup differ\)"):
        check_unchanged([spec])
