"""The prepared-dataset owner (`artimap.data.prepared`) and runs that cannot be fooled: a run
refuses a dataset that is not the one it was trained on, an edited or damaged prepared folder
is one line naming the file, and a run directory has one writer at a time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from artimap.data.phone2face.dataset import open_prepared
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.rundir import LOCK, writer_lock
from artimap.tasks.evaluation import evaluate
from artimap.tasks.registry import resolve_config, train_run


def _p2f_run(data, run, **train):
    module, cfg = resolve_config({
        "task": "phone2face", "name": "tiny", "data": str(data), "decoder": "dense",
        "model_config": {"hidden": 8},
        "train": {"epochs": 1, "max_steps": 2, "device": "cpu", "progress": False, **train}})
    return train_run(module, cfg, run)


@pytest.fixture(scope="module")
def own_p2f(p2f_prepared, tmp_path_factory):
    """A copy of the phone2face dataset and a 2-step run trained on it."""
    root = tmp_path_factory.mktemp("own_p2f")
    data = root / "prepared"
    shutil.copytree(p2f_prepared, data)
    _p2f_run(data, root / "run")
    return data, root / "run"


def test_fingerprint_is_stable_and_follows_the_split(l2t_prepared, tmp_path):
    first = Prepared.open(l2t_prepared, "lip2tongue").fingerprint
    assert Prepared.open(l2t_prepared, "lip2tongue").fingerprint == first
    copy = tmp_path / "copy"
    shutil.copytree(l2t_prepared, copy)
    assert Prepared.open(copy, "lip2tongue").fingerprint == first  # content, not the path
    split = json.loads((copy / "split.json").read_text())
    split["train"], split["test"] = split["test"], split["train"]
    (copy / "split.json").write_text(json.dumps(split))
    assert Prepared.open(copy, "lip2tongue").fingerprint != first


def test_a_dataset_prepared_again_with_another_split_is_refused(own_p2f, talker_tiny,
                                                                 tmp_path):
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face

    data, run = own_p2f
    assert evaluate(run)["data"]["other_data"] is False
    moved = tmp_path / "kept"
    shutil.copytree(data, moved)  # put the run's own dataset back afterwards
    try:
        prepare_phone2face(talker_tiny, data, PrepareConfig(fallback="sil", split_seed=5),
                           overwrite=True)
        with pytest.raises(ArtimapError, match=r"fingerprint .* not .* trained on.*"
                                               r"--allow-other-data"):
            evaluate(run)
        result = evaluate(run, allow_other_data=True)
        assert result["data"]["other_data"] is True
        assert result["data"]["trained_on"] != result["data"]["fingerprint"]
    finally:
        shutil.rmtree(data)
        shutil.copytree(moved, data)


def test_resume_on_another_dataset_is_refused(p2f_prepared, tmp_path):
    data = tmp_path / "prepared"
    shutil.copytree(p2f_prepared, data)
    _p2f_run(data, tmp_path / "run", max_steps=1)
    split = json.loads((data / "split.json").read_text())
    split["val"], split["test"] = split["test"], split["val"]
    (data / "split.json").write_text(json.dumps(split))
    module, cfg = resolve_config({
        "task": "phone2face", "name": "tiny", "data": str(data), "decoder": "dense",
        "model_config": {"hidden": 8},
        "train": {"epochs": 1, "max_steps": 2, "device": "cpu", "progress": False}})
    with pytest.raises(ArtimapError, match="last.pt was trained on dataset"):
        train_run(module, cfg, tmp_path / "run", resume=True)


def test_edited_manifest_is_refused_naming_it(l2t_prepared, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(l2t_prepared, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["utterances"][0]["n_frames"] += 50
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtimapError, match=r"manifest\.json: .*(starts at row|frames).*prepare"):
        Prepared.open(copy, "lip2tongue")


def test_truncated_manifest_is_one_line(l2t_prepared, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(l2t_prepared, copy)
    text = (copy / "manifest.json").read_text()
    (copy / "manifest.json").write_text(text[: len(text) // 2])
    with pytest.raises(ArtimapError, match=r"manifest\.json: manifest truncated or damaged"):
        Prepared.open(copy, "lip2tongue")


def test_a_run_pointed_at_data_of_another_image_size_is_refused(l2t_run, talker_tiny, tmp_path):
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings

    other = tmp_path / "other"
    prepare(talker_tiny, other, Settings(image_size=24), workers=1)
    run = tmp_path / "run"
    shutil.copytree(l2t_run, run)
    config = (run / "config.yaml").read_text()
    old = json.loads((run / "eval" / "metrics.json").read_text())["data"]["path"]
    (run / "config.yaml").write_text(config.replace(old, str(other)))
    with pytest.raises(ArtimapError, match="fingerprint") as err:
        evaluate(run)
    assert "\n" not in str(err.value)
    with pytest.raises(ArtimapError, match="image_size=24 but the run"):
        evaluate(run, allow_other_data=True)  # the model cannot read another crop size


def test_edited_phone_inventory_is_refused_naming_it(p2f_prepared, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(p2f_prepared, copy)
    phones = json.loads((copy / "phones.json").read_text())
    phones["phones"] = phones["phones"][:5]
    (copy / "phones.json").write_text(json.dumps(phones))
    with pytest.raises(ArtimapError, match=r"phones\.json: lists 5 phones but the prepared "
                                           r"phone ids reach"):
        open_prepared(copy)


def test_a_second_writer_is_refused_and_a_stale_lock_taken_over(tmp_path):
    run = tmp_path / "run"
    with writer_lock(run):
        assert (run / LOCK).is_file()
        with pytest.raises(ArtimapError, match="another training is writing this run"), \
                writer_lock(run):
            pass
    assert not (run / LOCK).exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    import platform
    (run / LOCK).write_text(json.dumps({"pid": int(dead.stdout), "host": platform.node()}))
    with pytest.warns(UserWarning, match="no longer running"), writer_lock(run):
        assert json.loads((run / LOCK).read_text())["pid"] == os.getpid()


def test_training_into_a_locked_run_dir_is_refused(p2f_prepared, tmp_path):
    import platform

    run = tmp_path / "run"
    run.mkdir()
    (run / LOCK).write_text(json.dumps({"pid": os.getppid(), "host": platform.node()}))
    with pytest.raises(ArtimapError, match="another training is writing"):
        _p2f_run(p2f_prepared, run)
    assert not (run / "last.pt").exists() and not (run / "config.yaml").exists()


def test_runs_on_different_datasets_are_never_one_row(p2f_prepared, tmp_path):
    from artimap.runfind import find_runs, group

    other = tmp_path / "other"
    shutil.copytree(p2f_prepared, other)
    split = json.loads((other / "split.json").read_text())
    split["val"], split["test"] = split["test"], split["val"]
    (other / "split.json").write_text(json.dumps(split))
    for name, data in (("a", p2f_prepared), ("b", other), ("c", p2f_prepared)):
        _p2f_run(data, tmp_path / "runs" / name, seed=ord(name))
        evaluate(tmp_path / "runs" / name)
    with pytest.warns(UserWarning, match="2 different prepared datasets"):
        groups = group(find_runs(tmp_path / "runs"))
    assert len(groups) == 2 and all(k.startswith("phone2face [data ") for k in groups)
    seeds = sorted(len(g["runs"][0]["seeds"]) for g in groups.values())
    assert seeds == [1, 2]  # the two runs on the same data are one row, the third apart


def test_evaluate_data_scores_another_dataset_beside_the_runs_own(own_p2f, tmp_path):
    data, run = own_p2f
    own = evaluate(run)
    other = tmp_path / "speaker_b"
    shutil.copytree(data, other)
    split = json.loads((other / "split.json").read_text())
    split["val"], split["test"] = split["test"], split["val"]
    (other / "split.json").write_text(json.dumps(split))
    result = evaluate(run, data=other)
    assert result["data"]["other_data"] is True and result["data"]["path"] == str(other)
    written = run / "eval" / f"metrics_test_data-{result['data']['fingerprint']}.json"
    assert json.loads(written.read_text())["data"]["fingerprint"] != own["data"]["fingerprint"]
    assert json.loads((run / "eval" / "metrics.json").read_text())["data"] == own["data"]
