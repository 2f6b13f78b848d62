"""phone2face bad inputs: each is an ArtimapError naming the file and the fix; nothing is left
behind; with skip_bad the bad utterance is listed and left out."""

from __future__ import annotations

import json
import shutil

import ezc3d
import numpy as np
import pytest
from test_data_p2f_helpers import FACE, HEAD, make_files_corpus

from artimap.data.common import split_ids
from artimap.data.phone2face.dataset import open_prepared, phone_set
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.errors import ArtimapError
from artimap.io.alignment import from_tuples
from artimap.io.c3d import read_c3d, write_c3d
from artimap.io.motion import Motion
from artimap.io.textgrid import write_textgrid

CFG = PrepareConfig(head_markers=",".join(HEAD), fallback="sil")
IDS = [f"utt{k:02d}" for k in range(5)]


@pytest.fixture
def corpus(tmp_path):
    make_files_corpus(tmp_path / "c", n_utts=5, frames=180)
    return tmp_path / "c"


def _expect_error(corpus, pattern, cfg=CFG, bad="utt01"):
    out = corpus.parent / "p"
    with pytest.raises(ArtimapError, match=pattern):
        prepare_phone2face(corpus, out, cfg)
    assert sorted(p.name for p in corpus.parent.iterdir()) == ["c"]  # nothing left behind
    prepare_phone2face(corpus, out, cfg, skip_bad=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["id"] for s in manifest["skipped"]] == [bad]
    assert bad not in sum(json.loads((out / "split.json").read_text()).values(), [])
    assert len(manifest["utterances"]) == 4


def _rewrite_c3d(path, edit):
    m = read_c3d(path)
    points, labels = edit(m.points.copy(), list(m.labels))
    path.unlink()
    write_c3d(path, Motion(points, m.rate, labels))


def test_overlapping_intervals(corpus):
    (corpus / "utt01.TextGrid").unlink()
    (corpus / "utt01.lab").write_text("0 0.5 sil\n0.4 1.0 a\n1.0 1.5 sil\n")
    _expect_error(corpus, r"utt01\.lab: interval 1 .* overlaps the previous one")


def test_unsorted_intervals(corpus):
    (corpus / "utt01.TextGrid").unlink()
    (corpus / "utt01.lab").write_text("0.5 1.0 a\n0 0.5 sil\n1.0 1.5 sil\n")
    _expect_error(corpus, r"utt01\.lab: .* not sorted. Sort the intervals")


def test_alignment_longer_than_motion(corpus):
    rows = [(0.0, 1.0, "sil"), (1.0, 2.0, "a")]  # motion: 180 frames at 120 fps = 1.5 s
    write_textgrid(corpus / "utt01.TextGrid", {"phones": from_tuples(rows)}, 2.0)
    _expect_error(corpus, r"utt01\.TextGrid: alignment ends at 2\.000 s but the motion "
                          r".*utt01\.c3d lasts 1\.500 s \(180 frames at 120 fps\)")


def test_alignment_slightly_longer_than_motion_is_accepted(corpus, tmp_path):
    rows = [(0.0, 1.0, "sil"), (1.0, 1.515, "a")]  # within one frame + 10 ms
    write_textgrid(corpus / "utt01.TextGrid", {"phones": from_tuples(rows)}, 1.515)
    prepare_phone2face(corpus, tmp_path / "p", CFG)


def test_missing_tier(corpus):
    rows = [(0.0, 1.5, "a")]
    write_textgrid(corpus / "utt01.TextGrid", {"words": from_tuples(rows)}, 1.5)
    cfg = PrepareConfig(head_markers=",".join(HEAD), fallback="sil", tier="phones")
    _expect_error(corpus, r"utt01\.TextGrid: no tier named 'phones'; tiers present: \['words'\]",
                  cfg)


def test_unknown_units(corpus):
    c = ezc3d.c3d(str(corpus / "utt01.c3d"))
    c["parameters"]["POINT"]["UNITS"]["value"] = ["furlong"]
    c.write(str(corpus / "utt01.c3d"))
    _expect_error(corpus, r"utt01\.c3d: unknown POINT:UNITS 'furlong'")


def test_markers_missing_from_a_file(corpus):
    _rewrite_c3d(corpus / "utt01.c3d", lambda p, lab: (p, [x.replace("F03", "X03") for x in lab]))
    _expect_error(corpus, r"utt01\.c3d: markers \['F03'\] are missing .* Pass --markers")


def test_marker_missing_in_every_frame(corpus):
    def blank(points, labels):
        points[:, labels.index("F02")] = np.nan
        return points, labels

    _rewrite_c3d(corpus / "utt01.c3d", blank)
    _expect_error(corpus, r"utt01\.c3d: markers \['F02'\] are missing in every frame")


def test_alignment_without_motion(corpus):
    (corpus / "utt01.c3d").unlink()
    _expect_error(corpus, r"utt01\.TextGrid: no motion file beside it. Put utt01\.c3d")


def test_phone_unseen_in_training(corpus, tmp_path_factory):
    extra = tmp_path_factory.mktemp("extra")  # beside, not in, the corpus's parent
    test_id = split_ids(IDS, CFG.split, CFG.split_seed)["test"][0]
    rows = [(0.0, 0.5, "sil"), (0.5, 1.0, "zz"), (1.0, 1.5, "sil")]
    write_textgrid(corpus / f"{test_id}.TextGrid", {"phones": from_tuples(rows)}, 1.5)
    cfg = PrepareConfig(head_markers=",".join(HEAD))
    with pytest.warns(UserWarning, match=r"fewer than 10 training frames .*'zz': 0"):
        out = prepare_phone2face(corpus, extra / "p1", cfg)  # the corpus's phones
    manifest = json.loads((out / "manifest.json").read_text())
    assert "zz" in phone_set(open_prepared(out)).phones and manifest["rare_phones"]["zz"] == 0
    # a declared phone set without it: an error naming the phone, or the fallback
    listed = [p for p in phone_set(open_prepared(out)).phones if p != "zz"]
    (extra / "phones.txt").write_text("\n".join(listed) + "  # the rest\n")
    cfg = PrepareConfig(head_markers=",".join(HEAD), phone_set=str(extra / "phones.txt"))
    _expect_error(corpus, rf"{test_id}\.TextGrid: phones \['zz'\] are not in the phone set of "
                  r"--phone-set .* pass --phone-fallback PHONE", cfg, bad=test_id)
    cfg.fallback = "sil"
    out = prepare_phone2face(corpus, extra / "p2", cfg)
    entries = json.loads((out / "manifest.json").read_text())["utterances"]
    assert [e.get("unseen_phones") for e in entries if e["id"] == test_id] == [["zz"]]


def test_unknown_phones_at_inference(corpus, tmp_path):
    out = prepare_phone2face(corpus, tmp_path / "p", PrepareConfig(head_markers=",".join(HEAD)))
    phones = phone_set(open_prepared(out))
    ali = from_tuples([(0.0, 0.2, "a"), (0.2, 0.4, "zz"), (0.4, 0.5, "qq")], source="new.lab")
    with pytest.raises(ArtimapError, match=r"new\.lab: phones \['qq', 'zz'\] are not in the.*"
                       r"pass --phone-fallback PHONE"):
        phones.frame_ids(ali, 120.0, 60)


def test_unknown_marker_preset_names_and_existing_out(corpus, tmp_path):
    cfg = PrepareConfig(markers=",".join(FACE + ["NOPE"]), head_markers=",".join(HEAD))
    with pytest.raises(ArtimapError, match=r"5 utterances cannot be prepared .*\['NOPE'\]"):
        prepare_phone2face(corpus, tmp_path / "p", cfg, skip_bad=False)
    with pytest.raises(ArtimapError, match="no usable training utterance"):
        prepare_phone2face(corpus, tmp_path / "p", cfg, skip_bad=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
    (tmp_path / "p").mkdir()
    with pytest.raises(ArtimapError, match="already exists; remove it or pass --overwrite"):
        prepare_phone2face(corpus, tmp_path / "p", CFG)


def test_head_markers_lost(corpus, tmp_path):
    def lose(names):
        def edit(points, labels):
            for name in names:
                points[:, labels.index(name)] = np.nan
            return points, labels
        return edit

    _rewrite_c3d(corpus / "utt02.c3d", lose(["HEAD4"]))  # three left: still solvable
    shutil.rmtree(prepare_phone2face(corpus, tmp_path / "ok", CFG))
    _rewrite_c3d(corpus / "utt01.c3d", lose(["HEAD1", "HEAD2"]))
    _expect_error(corpus, r"utt01\.c3d: fewer than 3 of the head markers .* Check --head-markers")
