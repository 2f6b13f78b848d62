"""Bad input that used to end in a traceback, a misleading message or lost work: each is now
one ArtimapError naming the file (or option) and the fix, and leaves nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import shutil

import numpy as np
import pytest
import torch
from test_train_toy import ToyTask, quiet

from artimap.checkpoint import save_checkpoint
from artimap.data.common import read_split_lists, save_array, write_manifest
from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_dir, check_prediction_out, clean_stale_temporaries
from artimap.io.alignment import from_tuples
from artimap.io.c3d import read_c3d
from artimap.io.dlc import read_dlc_csv
from artimap.io.ema import read_ema
from artimap.io.motion import Motion
from artimap.io.optitrack import read_motive_csv, write_motive_csv
from artimap.io.textgrid import read_textgrid, write_textgrid
from artimap.testing.lip2tongue import write_fake_corpus
from artimap.train import train

pytestmark = pytest.mark.filterwarnings("ignore:model_name 'toy'")


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


# ---- encodings of real exports ---------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "cp1252"])
def test_textgrid_in_any_praat_encoding(tmp_path, encoding):
    rows = [(0.0, 0.2, "sil"), (0.2, 0.35, "ʃ" if "16" in encoding or "8" in encoding else "é"),
            (0.35, 0.6, "a")]
    write_textgrid(tmp_path / "u8.TextGrid", {"phones": from_tuples(rows)}, 0.6)
    text = (tmp_path / "u8.TextGrid").read_text(encoding="utf-8")
    (tmp_path / "x.TextGrid").write_bytes(text.encode(encoding))
    assert [iv.label for iv in read_textgrid(tmp_path / "x.TextGrid")] == [r[2] for r in rows]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_motive_and_dlc_csv_exported_on_windows(tmp_path, encoding):
    pts = np.arange(4 * 2 * 3, dtype=np.float32).reshape(4, 2, 3)
    write_motive_csv(tmp_path / "u8.csv", Motion(pts, 100.0, ["Lip_é", "Jaw"]))
    text = (tmp_path / "u8.csv").read_text(encoding="utf-8")
    (tmp_path / "m.csv").write_bytes(text.encode(encoding))
    m = read_motive_csv(tmp_path / "m.csv")
    assert m.labels == ["Lip_é", "Jaw"] and np.allclose(m.points, pts)
    dlc = ("scorer,DLC_é,DLC_é,DLC_é\nbodyparts,tip,tip,tip\ncoords,x,y,likelihood\n"
           "0,1.5,2.5,0.9\n1,3.5,4.5,0.95\n")
    (tmp_path / "d.csv").write_bytes(dlc.encode(encoding))
    assert read_dlc_csv(tmp_path / "d.csv").points.shape == (2, 1, 2)


def test_non_numeric_textgrid_times_name_the_file(tmp_path):
    write_textgrid(tmp_path / "a.TextGrid", {"phones": from_tuples([(0, 0.3, "a")])}, 0.3)
    text = (tmp_path / "a.TextGrid").read_text().replace("xmax = 0.3", "xmax = soon", 1)
    (tmp_path / "a.TextGrid").write_text(text)
    with pytest.raises(ArtimapError, match=r"a\.TextGrid: not a readable Praat TextGrid.*Praat"):
        read_textgrid(tmp_path / "a.TextGrid")


@pytest.mark.parametrize("form", ["long_textgrid", "short_textgrid"])
def test_damaged_textgrid_time_names_the_file_and_line(tmp_path, form):
    from praatio import textgrid

    write_textgrid(tmp_path / "a.TextGrid", {"phones": from_tuples(
        [(0, 0.3, "a"), (0.3, 0.55, "b")])}, 0.55)
    tg = textgrid.openTextgrid(str(tmp_path / "a.TextGrid"), includeEmptyIntervals=True)
    tg.save(str(tmp_path / "a.TextGrid"), format=form, includeBlankSpaces=True)
    lines = (tmp_path / "a.TextGrid").read_text().splitlines()
    bad = max(i for i, line in enumerate(lines) if line.strip().endswith("0.3"))
    lines[bad] = lines[bad].replace("0.3", "1.2.3")
    (tmp_path / "a.TextGrid").write_text("\n".join(lines) + "\n")
    with pytest.raises(ArtimapError, match=rf"a\.TextGrid: line {bad + 1}: time '1\.2\.3' is "
                       r"not a number\. Fix the value"):
        read_textgrid(tmp_path / "a.TextGrid")


@pytest.mark.parametrize("text", ['{"xmin": 0, "xmax": 1, "tiers": ["phones"]}',
                                  '{"tiers": [{"name": "phones", "class": "IntervalTier", '
                                  '"entries": [[0, 0.5]]}]}'])
def test_damaged_json_textgrid_is_one_line(tmp_path, text):
    (tmp_path / "j.TextGrid").write_text(text)
    with pytest.raises(ArtimapError, match=r"j\.TextGrid: (not a Praat TextGrid|tier 'phones' "
                       r"holds entries that are not)"):
        read_textgrid(tmp_path / "j.TextGrid")


def test_xrmb_txy_is_not_supported_rather_than_a_column_count(tmp_path):
    path = tmp_path / "tp001.txy"
    path.write_text("\n".join(" ".join(["1000000"] * 16) for _ in range(5)))
    with pytest.raises(ArtimapError, match=r"tp001\.txy: XRMB pellet file \(\.txy\): format not "
                       r"supported as EMA.*artimap\.io\.xrmb\.read_txy"):
        read_ema(path)
    pos = tmp_path / "s1.pos"
    pos.write_bytes(b"\0" * 64)
    with pytest.raises(ArtimapError, match=r"s1\.pos: Carstens AG500/AG501 \.pos is not a "
                       r"supported EMA format\. Convert it"):
        read_ema(pos)


# ---- C3D files that crash the C library --------------------------------------------------------

def test_c3d_that_is_not_c3d_is_refused_before_the_library_sees_it(tmp_path):
    path = tmp_path / "x.c3d"
    path.write_bytes(b"\x02\x50" + b"\xff" * 100)  # header block pointer past the end
    with pytest.raises(ArtimapError, match=r"x\.c3d: not a readable C3D file \(no valid C3D "):
        read_c3d(path)


def test_c3d_reader_crash_is_an_error_naming_the_file(tmp_path, monkeypatch):
    from artimap.io import c3d

    pts = np.zeros((3, 2, 3), np.float32)
    c3d.write_c3d(tmp_path / "ok.c3d", Motion(pts, 100.0, ["a", "b"]))
    monkeypatch.setattr(c3d, "_load", lambda path: os.abort())  # as a segfaulting library
    with pytest.raises(ArtimapError, match=r"ok\.c3d: the C3D file reader crashed on this file "
                       r"\(signal 6\): it is damaged or not a C3D file\. Re-export"):
        c3d.read_c3d(tmp_path / "ok.c3d")


# ---- outputs: predictions, --overwrite, stale temporaries, full disk ---------------------------

def test_prediction_out_must_be_a_folder_and_earlier_predictions_need_overwrite(tmp_path):
    (tmp_path / "file.c3d").write_text("x")
    with pytest.raises(ArtimapError, match=r"file\.c3d: --out names a file; predictions are "
                       r"written into a folder"):
        check_prediction_out(tmp_path / "file.c3d", "utt", False)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "utt.c3d").write_text("earlier")
    with pytest.raises(ArtimapError, match=r"already holds predictions for 'utt' \(utt\.c3d\); "
                       r"pass --overwrite"):
        check_prediction_out(tmp_path / "out", "utt", False)
    check_prediction_out(tmp_path / "out", "utt", True)
    check_prediction_out(tmp_path / "out", "other", False)


def test_phone2face_predict_offers_a_fallback_it_has(tmp_path):
    import importlib

    from artimap import tasks
    from artimap.commands.predict import task_parser

    p2f_predict = importlib.import_module("artimap.tasks.phone2face.predict")
    args = task_parser("run", tasks.phone2face).parse_args(
        ["--alignment", "a.lab", "--out", "o", "--phone-fallback", "sil", "--overwrite"])
    assert args.phone_fallback == "sil" and args.overwrite
    meta = {"phones": {"phones": ["a", "sil"], "silence": "sil"}, "rate": 100.0}
    (tmp_path / "a.lab").write_text("0.0 0.2 a\n0.2 0.4 zz\n0.4 0.6 a\n")
    with pytest.raises(ArtimapError, match=r"\['zz'\] are not in the inventory.*pass "
                       r"--phone-fallback PHONE"):
        p2f_predict.phone_frames(meta, tmp_path / "a.lab", None)
    (tmp_path / "a.lab").write_text("0.0 0.2 a\n0.2 0.4 zz\n0.4 0.5 a\n0.5 0.6 zz\n0.6 0.7 q\n")
    with pytest.warns(UserWarning, match=r"a\.lab: 3 interval\(s\) of phones not in the model's "
                      r"inventory \('q' x1, 'zz' x2\) are predicted as the fallback 'sil'"):
        ids, labels = p2f_predict.phone_frames(meta, tmp_path / "a.lab", None, fallback="sil")
    assert labels[30] == "sil" and labels[10] == "a"


def test_overwrite_never_deletes_a_folder_the_command_did_not_write(tmp_path):
    spk = tmp_path / "c" / "spk1"
    write_fake_corpus(tmp_path / "c", n_utterances=2, seconds=0.6, t0=0.1)
    mine = tmp_path / "holiday"
    mine.mkdir()
    (mine / "photo.jpg").write_text("precious")
    with pytest.raises(ArtimapError, match=r"holiday: --overwrite replaces only a folder this "
                       r"command wrote \(it has no manifest\.json\)"):
        prepare(spk.parent, mine, Settings(), overwrite=True)
    assert (mine / "photo.jpg").read_text() == "precious"


def test_stale_temporaries_of_a_killed_run_are_cleaned_live_ones_kept(tmp_path):
    dead = 2 ** 22 + 12345  # above the default pid_max: no such process
    (tmp_path / f".out.tmp-{dead}-abc").mkdir()
    (tmp_path / f".last.tmp-{dead}-x.pt").write_bytes(b"half")
    (tmp_path / f".out.tmp-{os.getpid()}-live").mkdir()  # a run in progress
    (tmp_path / ".outer.tmp-1-x").mkdir()  # another output's
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a").write_text("x")
    save_checkpoint(tmp_path / "last.pt", {"format": "artimap-checkpoint"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        ".outer.tmp-1-x", f".out.tmp-{os.getpid()}-live", "last.pt", "out"])
    assert clean_stale_temporaries(tmp_path, "outer") == []  # pid 1 is alive


def test_disk_full_during_train_is_one_message_and_nothing_half_written(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, "save", _enospc)
    with pytest.raises(ArtimapError, match=r"(best|last)\.pt: disk full while writing it \(no "
                       r"space left on the device; nothing half-written was left\); free some"):
        train(ToyTask(), quiet(epochs=1), tmp_path / "run")
    assert not any(p.name.endswith(".pt") for p in (tmp_path / "run").iterdir())


def test_disk_full_during_prepare_leaves_no_folder(tmp_path, monkeypatch):
    write_fake_corpus(tmp_path / "c", n_utterances=2, seconds=0.6, t0=0.1)
    monkeypatch.setattr(np, "save", _enospc)
    with pytest.raises(ArtimapError, match=r"out: disk full while writing it"):
        prepare(tmp_path / "c", tmp_path / "out", Settings())
    assert sorted(os.listdir(tmp_path)) == ["c"]


def test_disk_full_during_synth_leaves_no_folder(tmp_path, monkeypatch):
    from artimap.synth import corpus

    monkeypatch.setattr(corpus, "atomic_write_json", _enospc)
    with pytest.raises(ArtimapError, match=r"talker: disk full while writing it"):
        corpus.generate_corpus(tmp_path / "talker", utterances=1, speakers=1, progress=False)
    assert os.listdir(tmp_path) == []


# ---- prepared data and splits ------------------------------------------------------------------

def test_deleted_or_truncated_prepared_array_is_named(tmp_path):
    arrays = {name: save_array(tmp_path, name, np.zeros((50, 8, 8), np.uint8))
              for name in ("frames", "targets")}
    write_manifest(tmp_path, {"task": "lip2tongue", "n_frames": 50, "arrays": arrays,
                              "utterances": [{"id": "a", "offset": 0, "n_frames": 50}]},
                   {"train": ["a"]})
    raw = (tmp_path / "frames.npy").read_bytes()
    (tmp_path / "frames.npy").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ArtimapError, match=r"frames\.npy: prepared array truncated or damaged.*"
                       r"prepare lip2tongue"):
        Prepared.open(tmp_path, "lip2tongue")
    (tmp_path / "frames.npy").write_bytes(raw)
    (tmp_path / "targets.npy").unlink()
    with pytest.raises(ArtimapError, match=r"targets\.npy: prepared array missing.*prepare"):
        Prepared.open(tmp_path, "lip2tongue")


def test_one_list_for_training_and_validation_is_refused(tmp_path):
    (tmp_path / "train.txt").write_text("a\nb\nc\n")
    with pytest.raises(ArtimapError, match=r"train\.txt: 3 utterance\(s\) of the val list are "
                       r"also in the train list"):
        read_split_lists({"train": tmp_path / "train.txt", "val": tmp_path / "train.txt"},
                         ["a", "b", "c", "d"])


def test_half_written_metrics_and_best_epoch_without_validation(tmp_path, capsys):
    from artimap.checkpoint import TrainState
    from artimap.commands.train import _best

    run = tmp_path / "run"
    train(ToyTask(n_val=0), quiet(epochs=1), run)
    assert "train loss, no val split" in _best(str(run), TrainState(best_epoch=1, best_val=0.5))
    train(ToyTask(), quiet(epochs=1), tmp_path / "run2")
    assert "(val 0.5)" in _best(str(tmp_path / "run2"), TrainState(best_epoch=1, best_val=0.5))




def test_evaluating_on_data_prepared_again_at_another_size_is_refused(l2t_prepared, tmp_path):
    from conftest import smoke_config

    from artimap.tasks.evaluation import evaluate
    from artimap.tasks.registry import train_run

    data = tmp_path / "prepared"
    shutil.copytree(l2t_prepared, data)
    run = tmp_path / "run"
    train_run(*smoke_config(data), run)
    manifest = json.loads((data / "manifest.json").read_text())
    manifest["settings"]["image_size"] = 48  # as if prepared again with --image-size 48
    (data / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtimapError, match=r"prepared: dataset fingerprint \w+ is not \w+, the "
                       r"one run .* was trained on"):
        evaluate(run, "test")
    with pytest.raises(ArtimapError, match=r"prepared with image_size=48 but the run "
                       r".*was trained on image_size=32; prepare the data again"):
        evaluate(run, "test", allow_other_data=True)


def test_predict_cli_refuses_a_file_as_out_and_overwrites_only_when_asked(l2t_run, talker_tiny,
                                                                          tmp_path):
    from test_tasks_l2t import command

    video = talker_tiny / "s01" / "s01_0004.mp4"
    (tmp_path / "pred.mp4").write_text("x")
    with pytest.raises(ArtimapError, match=r"pred\.mp4: --out names a file"):
        command("predict", [str(l2t_run), "--video", str(video), "--out", str(tmp_path /
                                                                              "pred.mp4")])
    out = tmp_path / "pred"
    argv = [str(l2t_run), "--video", str(video), "--out", str(out)]
    assert command("predict", argv) == 0
    first = (out / "s01_0004.predict.json").stat().st_mtime_ns
    with pytest.raises(ArtimapError, match=r"already holds predictions for 's01_0004'.*"
                       r"--overwrite"):
        command("predict", argv)
    assert (out / "s01_0004.predict.json").stat().st_mtime_ns == first
    assert command("predict", [*argv, "--overwrite"]) == 0
