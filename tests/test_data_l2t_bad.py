"""lip2tongue bad inputs: each error names the file and the fix, and leaves nothing behind."""

import os
import re

import numpy as np
import pytest

from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings
from artimap.errors import ArtimapError
from artimap.testing.lip2tongue import write_fake_corpus, write_fake_dlc


def _corpus(tmp_path, n=2, dlc=False):
    write_fake_corpus(tmp_path / "c", n_utterances=n, dlc=dlc, seconds=0.6, t0=0.1)
    return tmp_path / "c" / "spk1"


def _fails(tmp_path, pattern, target="image", roi="auto"):
    with pytest.raises(ArtimapError, match=pattern):
        prepare(tmp_path / "c", tmp_path / "out", Settings(target=target), roi=roi)
    assert sorted(os.listdir(tmp_path)) == ["c"]  # no output, no temporary folder


def test_truncated_ult(tmp_path):
    spk = _corpus(tmp_path)
    with open(spk / "spk1_001.ult", "ab") as f:
        f.write(b"\0" * 7)
    _fails(tmp_path, r"utterance spk1/spk1_001: .*spk1_001\.ult: file size 40967 bytes does not "
           r"match NumVectors x PixPerVector = 16 x 64.*spk1_001\.param.*truncated.*cut the file")


@pytest.mark.parametrize("edit, message", [
    (lambda t: re.sub(r"NumVectors=\d+\n", "", t), r"missing key NumVectors"),
    (lambda t: re.sub(r"FramesPerSec=[^\n]+", "FramesPerSec=fast", t), r"non-numeric"),
])
def test_bad_param(tmp_path, edit, message):
    spk = _corpus(tmp_path)
    param = spk / "spk1_000.param"
    param.write_text(edit(param.read_text()))
    _fails(tmp_path, rf"utterance spk1/spk1_000: .*spk1_000\.param: .*{message}")


def test_missing_param(tmp_path):
    spk = _corpus(tmp_path)
    (spk / "spk1_000.param").unlink()
    _fails(tmp_path, r"spk1_000\.ult: no parameter file found \(looked for .*US\.txt")


@pytest.mark.parametrize("roi", ["auto", "0,0,40,40"])
def test_unreadable_video(tmp_path, roi):
    spk = _corpus(tmp_path)
    (spk / "spk1_001.mp4").write_bytes(b"not a video at all" * 50)
    _fails(tmp_path, r"utterance spk1/spk1_001: .*spk1_001\.mp4: cannot open the video.*ffmpeg",
           roi=roi)


def test_streams_that_do_not_overlap(tmp_path):
    spk = _corpus(tmp_path)
    param = spk / "spk1_000.param"
    param.write_text(re.sub(r"TimeInSecsOfFirstFrame=[^\n]+", "TimeInSecsOfFirstFrame=30",
                            param.read_text()))
    _fails(tmp_path, r"spk1_000\.mp4 .* and .*spk1_000\.ult .* do not overlap.*TimeInSecs")


def test_points_longer_than_the_video(tmp_path):
    spk = _corpus(tmp_path, n=1, dlc=True)
    write_fake_dlc(spk / "spk1_000.tongue_dlc.csv", 60)  # 1 s of rows from 0.1 s; video 0.6 s
    _fails(tmp_path, r"tongue_dlc\.csv: points run 0\.\d+ s past the end of the lip video "
           r"spk1_000\.mp4.*check the file belongs", target="points")


def test_points_without_a_param_file(tmp_path):
    spk = _corpus(tmp_path, n=1, dlc=True)
    (spk / "spk1_000.param").unlink()
    _fails(tmp_path, r"no parameter file found", target="points")


def test_empty_corpus_says_what_was_looked_for(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("hello")
    _fails(tmp_path, r"c: no utterances found \(format auto; looked for corpus\.json.*<id>\.mp4"
           r".*<id>\.ult.*lips.*tongue")
    _fails(tmp_path, r"tongue_dlc\.csv", target="points")
    write_fake_corpus(tmp_path / "v", n_utterances=1, seconds=0.3, t0=0.1)
    (tmp_path / "v/spk1/spk1_000.ult").unlink()
    with pytest.raises(ArtimapError, match=r"no image target file .*000\.mp4.*--target points"):
        prepare(tmp_path / "v", tmp_path / "out")
    with pytest.raises(ArtimapError, match="corpus folder not found"):
        prepare(tmp_path / "nope", tmp_path / "out")


def test_existing_output_needs_overwrite(tmp_path):
    _corpus(tmp_path, n=1)
    (tmp_path / "out").mkdir()
    with pytest.raises(ArtimapError, match="already exists.*--overwrite"):
        prepare(tmp_path / "c", tmp_path / "out", split=(1, 0, 0))


def test_skip_bad_lists_and_skips(tmp_path):
    spk = _corpus(tmp_path, n=3)
    with open(spk / "spk1_001.ult", "ab") as f:
        f.write(b"\0" * 7)
    (spk / "spk1_002.mp4").write_bytes(b"junk" * 100)
    with pytest.warns(UserWarning) as caught:
        m = prepare(tmp_path / "c", tmp_path / "out", skip_bad=True, split=(1, 0, 0))
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and re.match(r"skipped utterance spk1/spk1_001: .*truncated",
                                           messages[0])
    assert [u["id"] for u in m["utterances"]] == ["spk1/spk1_000"]
    skipped = {s["id"]: s["error"] for s in m["skipped"]}
    assert set(skipped) == {"spk1/spk1_001", "spk1/spk1_002"}
    assert "cannot open the video" in skipped["spk1/spk1_002"]
    assert np.load(tmp_path / "out/frames.npy").shape[0] == m["n_frames"]


def test_skip_bad_with_every_utterance_bad(tmp_path):
    spk = _corpus(tmp_path, n=1)
    (spk / "spk1_000.ult").write_bytes(b"\0" * 7)
    with pytest.warns(UserWarning), pytest.raises(ArtimapError, match="all 1 utterances are bad"):
        prepare(tmp_path / "c", tmp_path / "out", skip_bad=True)
    assert sorted(os.listdir(tmp_path)) == ["c"]
