"""Inputs that used to prepare into silently wrong data: each is now refused (an ArtimapError
naming the file, the numbers and the fix, with nothing left behind) or warned about."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pytest
from test_data_p2f_helpers import HEAD, make_files_corpus

from artimap.data.common import split_ids
from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.errors import ArtimapError
from artimap.io.alignment import from_tuples
from artimap.io.alignment_formats import read_alignment
from artimap.io.textgrid import write_textgrid
from artimap.io.ult import read_param, read_ult
from artimap.io.wav import write_wav
from artimap.testing.lip2tongue import write_fake_corpus

# fake corpus: 0.6 s of video, ultrasound from 0.1 s at 81.5 fps = 40 frames of 16 x 64
SECONDS, T0, FPS, NV, PPV = 0.6, 0.1, 81.5, 16, 64


def _l2t_corpus(tmp_path):
    write_fake_corpus(tmp_path / "c", n_utterances=2, seconds=SECONDS, t0=T0)
    return tmp_path / "c" / "spk1"


def _l2t_fails(tmp_path, pattern):
    with pytest.raises(ArtimapError, match=pattern) as err:
        prepare(tmp_path / "c", tmp_path / "out", Settings())
    assert sorted(os.listdir(tmp_path)) == ["c"]  # no output, no temporary folder
    return str(err.value)


@pytest.mark.parametrize("key", ["FramesPerSec", "TimeInSecsOfFirstFrame"])
def test_param_without_timing_keys_is_refused_not_defaulted(tmp_path, key):
    spk = _l2t_corpus(tmp_path)
    param = spk / "spk1_000.param"
    param.write_text(re.sub(rf"{key}=[^\n]+\n", "", param.read_text()))
    _l2t_fails(tmp_path, rf"spk1_000\.param: missing key {key}\. Add a line '{key}=<number>'")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "fast"])
def test_param_non_finite_values_are_named(tmp_path, value):
    path = tmp_path / "x.param"
    path.write_text(f"NumVectors=4\nPixPerVector=6\nZeroOffset=2\nFramesPerSec={value}\n"
                    "TimeInSecsOfFirstFrame=0\n")
    with pytest.raises(ArtimapError, match=rf"x\.param: key FramesPerSec has non-numeric value "
                       rf"'{value}'\. Write a finite number"):
        read_param(path)


def test_ult_holding_a_few_frames_of_the_recording_is_refused(tmp_path):
    spk = _l2t_corpus(tmp_path)
    ult = spk / "spk1_001.ult"
    ult.write_bytes(ult.read_bytes()[:7 * NV * PPV])  # 7 whole frames of 40
    msg = _l2t_fails(tmp_path, r"spk1_001\.ult: ultrasound far shorter than the recording")
    assert "7 frames at 81.5 fps = 0.086 s" in msg and "spk1_001.mp4 lasts" in msg
    assert "truncated" in msg and "--skip-bad" in msg


def test_wrong_num_vectors_that_still_divides_the_file_is_refused(tmp_path):
    spk = _l2t_corpus(tmp_path)
    param = spk / "spk1_000.param"
    param.write_text(param.read_text().replace(f"NumVectors={NV}", "NumVectors=2"))  # 8x frames
    msg = _l2t_fails(tmp_path, r"spk1_000\.ult: ultrasound far longer than the recording")
    assert "320 frames" in msg and "NumVectors/PixPerVector/FramesPerSec in spk1_000.param" in msg


def test_the_audio_beside_the_video_is_part_of_the_cross_check(tmp_path):
    spk = _l2t_corpus(tmp_path)
    write_wav(spk / "spk1_001.wav", np.zeros(int(SECONDS * 16000), np.int16), 16000)
    ult = spk / "spk1_001.ult"
    ult.write_bytes(ult.read_bytes()[:7 * NV * PPV])
    msg = _l2t_fails(tmp_path, r"spk1_001\.ult: ultrasound far shorter")
    assert "the audio spk1_001.wav 0.600 s" in msg


def test_moderately_short_ult_is_warned_about_with_the_numbers(tmp_path):
    spk = _l2t_corpus(tmp_path)
    ult = spk / "spk1_001.ult"
    ult.write_bytes(ult.read_bytes()[:28 * NV * PPV])  # 28 of 40 frames: 70 % cover
    with pytest.warns(UserWarning, match=r"spk1_001\.ult: ultrasound covers only"):
        prepare(tmp_path / "c", tmp_path / "out", Settings())


def test_htk_lab_in_milliseconds_is_refused(tmp_path):
    lab = tmp_path / "ms.lab"
    lab.write_text("0 850 pau\n850 2850 p\n2850 3600 l\n3600 3900 iy\n3900 6000 z\n")
    with pytest.raises(ArtimapError, match=r"ms\.lab: implausible phone durations \(median "
                       r"8\.5e-05 s .*the time unit is wrong\. HTK \.lab times are integers in "
                       r"100 ns units"):
        read_alignment(lab)


def test_seconds_lab_in_milliseconds_is_refused(tmp_path):
    lab = tmp_path / "ms.lab"  # ESPS-style floats, but milliseconds
    lab.write_text("0.0 85.5 sil\n85.5 285.5 p\n285.5 360.5 l\n360.5 390.5 iy\n")
    with pytest.raises(ArtimapError, match=r"ms\.lab: implausible phone durations"):
        read_alignment(lab)


def test_empty_phone_tier_is_refused_in_prepare(tmp_path):
    make_files_corpus(tmp_path / "c", n_utts=4, frames=180)
    write_textgrid(tmp_path / "c" / "utt01.TextGrid",
                   {"phones": from_tuples([(0.0, 1.5, "")])}, 1.5)
    cfg = PrepareConfig(head_markers=",".join(HEAD), fallback="sil")
    with pytest.raises(ArtimapError, match=r"utt01\.TextGrid: tier 'phones' holds no labelled "
                       r"interval \(1 empty or silence\)\. Check the alignment.*--skip-bad"):
        prepare_phone2face(tmp_path / "c", tmp_path / "p", cfg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def test_plain_corpus_without_head_markers_says_what_it_assumes(tmp_path):
    make_files_corpus(tmp_path / "c", n_utts=4, frames=180)
    with pytest.warns(UserWarning, match=r"head motion is NOT removed and all 10 markers are "
                      r"face targets; these look like head markers: HEAD1, HEAD2, HEAD3, HEAD4\. "
                      r"Pass --head-markers"):
        prepare_phone2face(tmp_path / "c", tmp_path / "p", PrepareConfig(fallback="sil"))
    prepare_phone2face(tmp_path / "c", tmp_path / "q",  # stated: no warning
                       PrepareConfig(head_markers="none", fallback="sil"))


def test_tier_without_any_interval_is_refused(tmp_path):
    (tmp_path / "e.TextGrid").write_text(
        'File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = 1.5\n'
        'tiers? <exists>\nsize = 1\nitem []:\n    item [1]:\n        class = "IntervalTier"\n'
        '        name = "phones"\n        xmin = 0\n        xmax = 1.5\n'
        '        intervals: size = 0\n')
    with pytest.raises(ArtimapError, match=r"e\.TextGrid: tier 'phones' holds no interval\. "
                       r"Check the alignment, or name the phone tier with --tier"):
        read_alignment(tmp_path / "e.TextGrid")


@pytest.mark.parametrize("markers", [None, "F00,F01"])
def test_missing_head_markers_are_named_as_head_markers(tmp_path, markers):
    make_files_corpus(tmp_path / "c", n_utts=2, frames=60)
    cfg = PrepareConfig(head_markers="NOSE1,NOSE2,NOSE3", markers=markers, fallback="sil")
    with pytest.raises(ArtimapError, match=r"utt00\.c3d: head markers \['NOSE1', 'NOSE2', "
                       r"'NOSE3'\] are missing \(the file has \['HEAD1'.*\)\. Pass "
                       r"--head-markers with labels present in every file"):
        prepare_phone2face(tmp_path / "c", tmp_path / "p", cfg)


def test_too_large_num_vectors_names_the_frame_size(tmp_path):
    spk = _l2t_corpus(tmp_path)
    param = spk / "spk1_000.param"
    param.write_text(param.read_text().replace(f"NumVectors={NV}", f"NumVectors={4 * NV}"))
    msg = _l2t_fails(tmp_path, r"spk1_000\.ult: ultrasound far shorter")  # 10 frames of 64
    assert f"NumVectors x PixPerVector ({4 * NV} x {PPV}: fewer, larger frames)" in msg
    assert "spk1_000.param" in msg
    ult = spk / "spk1_000.ult"
    ult.write_bytes(ult.read_bytes()[:39 * NV * PPV])  # 9.75 frames of 64 scanlines
    with pytest.raises(ArtimapError, match=rf"spk1_000\.ult: file size {39 * NV * PPV} bytes "
                       rf"does not match NumVectors x PixPerVector = {4 * NV} x {PPV} = "
                       rf"{4 * NV * PPV} bytes per frame \(9 whole frames and {3 * NV * PPV} "
                       r"bytes left over\)\. Check NumVectors and PixPerVector in spk1_000\.param"):
        read_ult(ult)


def test_ultrasound_without_lip_video_is_named(tmp_path):
    from artimap.data.lip2tongue.sources import discover

    spk = _l2t_corpus(tmp_path)
    (spk / "spk1_001.mp4").unlink()
    with pytest.warns(UserWarning, match=r"ignoring 1 \.ult files with no lip video beside them "
                      r"\(.*spk1_001\.ult\); put <id>\.mp4 or <id>\.avi next to each <id>\.ult"):
        _, utts = discover(tmp_path / "c", "auto", "image")
    assert [u.id for u in utts] == ["spk1/spk1_000"]


def test_too_few_utterances_to_split_are_warned_about():
    with pytest.warns(UserWarning, match=r"1 utterance\(s\) are too few to split \(train 1, val 0, "
                      r"test 0\): no validation .*; no test score"):
        assert split_ids(["a"], (60, 20, 20)) == {"train": ["a"], "val": [], "test": []}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked for: no warning
        split_ids(["a"], (100, 0, 0))
        split_ids(["a", "b", "c"], (60, 20, 20))


def test_utterances_in_no_split_list_are_named_and_left_out(tmp_path):
    write_fake_corpus(tmp_path / "c", n_utterances=3, seconds=SECONDS, t0=T0)
    (tmp_path / "train.txt").write_text("spk1/spk1_000\n")
    (tmp_path / "val.txt").write_text("spk1/spk1_001\n")
    lists = (str(tmp_path / "train.txt"), str(tmp_path / "val.txt"))
    with pytest.warns(UserWarning, match=r"1 of 3 utterances are in no --split-lists file and are "
                      r"left out \(spk1/spk1_002\)"):
        manifest = prepare(tmp_path / "c", tmp_path / "out", Settings(), split_lists=lists)
    assert [u["id"] for u in manifest["utterances"]] == ["spk1/spk1_000", "spk1/spk1_001"]
