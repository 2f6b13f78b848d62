"""NaN or infinite values in a prepared dataset are named (array, utterances, counts) before
training starts, instead of surfacing as "training diverged" after the first steps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import smoke_config

from artimap.errors import ArtimapError
from artimap.tasks.registry import load_config_file, train_run

P2F_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "phone2face" / "baseline.yaml"


def _damage(prepared: Path, folder: Path, name: str, value: float, frames: int) -> str:
    """Copy `prepared` to `folder` and put `value` into `frames` frames of array `name` of
    the first training utterance; returns its id."""
    shutil.copytree(prepared, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    uid = json.loads((folder / "split.json").read_text())["train"][0]
    start = next(u["offset"] for u in manifest["utterances"] if u["id"] == uid)
    array = np.load(folder / f"{name}.npy", mmap_mode="r+")
    array[start + 2:start + 2 + frames].flat[0] = value  # one value in the first frame
    array[start + 2 + frames - 1].flat[-1] = value  # and one in the last
    array.flush()
    return uid


def test_nan_in_prepared_markers_is_named_before_training(p2f_prepared, tmp_path):
    uid = _damage(p2f_prepared, tmp_path / "p", "markers", np.nan, 5)
    module, cfg = load_config_file(P2F_CONFIG, [f"data={tmp_path / 'p'}", "train.max_steps=2",
                                                "train.progress=false", "train.device=cpu"])
    with pytest.raises(ArtimapError, match=rf"markers\.npy: NaN or infinite values in 1 "
                       rf"utterance\(s\) \({uid}: 2\); training on them would diverge\. Fix"):
        train_run(module, cfg, tmp_path / "run")
    assert not (tmp_path / "run" / "last.pt").exists()


def test_infinite_flow_is_named_before_training(l2t_prepared, tmp_path):
    uid = _damage(l2t_prepared, tmp_path / "p", "flow", np.inf, 3)
    module, cfg = smoke_config(tmp_path / "p")
    with pytest.raises(ArtimapError, match=rf"flow\.npy: NaN or infinite values in 1 "
                       rf"utterance\(s\) \({uid}: 2\)"):
        train_run(module, cfg, tmp_path / "run")
