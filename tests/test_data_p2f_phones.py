"""phone2face phone inventory and frame-wise phone ids."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_data_p2f_helpers import HEAD, make_files_corpus

from artimap.data.phone2face.dataset import open_prepared, phone_set
from artimap.data.phone2face.phones import (
    PhoneSet,
    build_inventory,
    encode_phones,
)
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.errors import ArtimapError
from artimap.io.alignment import from_tuples


def test_inventory_sorted_with_silence():
    assert build_inventory([["b", "a"], ["c", "a"]]) == ["a", "b", "c", "sil"]
    assert build_inventory([["b"]], silence=None) == ["b"]


def test_encode_unknown_is_an_error_naming_the_phones():
    inv = ["a", "b", "sil"]
    assert encode_phones(["b", "a", "sil"], inv).tolist() == [1, 0, 2]
    assert encode_phones(["b", "a"], inv).dtype == np.int16
    with pytest.raises(ArtimapError, match=r"utt\.lab: phones \['x', 'y'\] are not in the inv"):
        encode_phones(["a", "y", "x", "y"], inv, source="utt.lab")
    assert encode_phones(["a", "x"], inv, fallback="sil").tolist() == [0, 2]
    with pytest.raises(ArtimapError, match="fallback phone 'zz'"):
        encode_phones(["a"], inv, fallback="zz")


def test_phone_set_normalises_and_round_trips(tmp_path):
    ps = PhoneSet(["AH", "B", "sil"], strip_stress=True, silence="sil")
    ali = from_tuples([(0.0, 0.1, ""), (0.1, 0.2, "AH1"), (0.2, 0.3, "B"), (0.3, 0.35, "sp")])
    ids = ps.frame_ids(ali, fps=20.0, n_frames=9)  # t = 0, .05, ... .40
    assert [ps.phones[i] for i in ids] == ["sil"] * 2 + ["AH"] * 2 + ["B"] * 2 + ["sil"] * 3


def _label_at(rows, t):
    for start, end, label in rows:
        if start <= t < end:
            return label
    return rows[-1][2] if t <= rows[-1][1] else "sil"


def test_prepared_phone_ids_match_the_textgrid(tmp_path):
    truth = make_files_corpus(tmp_path / "c", n_utts=6, frames=150)
    out = prepare_phone2face(tmp_path / "c", tmp_path / "p",
                             PrepareConfig(head_markers=",".join(HEAD), fallback="sil"))
    manifest = json.loads((out / "manifest.json").read_text())
    phones = json.loads((out / "phones.json").read_text())["phones"]
    ids = np.load(out / "phone_ids.npy")
    train = json.loads((out / "split.json").read_text())["train"]
    seen_in_train = {lab for u in train for _, _, lab in truth[u]["rows"]}
    assert set(phones) == seen_in_train | {"sil"}
    for e in manifest["utterances"]:
        rows = truth[e["id"]]["rows"]
        got = [phones[i] for i in ids[e["offset"]:e["offset"] + e["n_frames"]]]
        want = [_label_at(rows, k / 120.0) for k in range(e["n_frames"])]
        want = [w if w in phones else "sil" for w in want]  # fallback for unseen phones
        assert got == want, e["id"]


def test_talker_inventory_is_the_declared_phone_set(p2f_prepared, talker_tiny):
    declared = json.loads((talker_tiny / "corpus.json").read_text())["phones"]
    inventory = phone_set(open_prepared(p2f_prepared)).phones
    assert inventory == sorted({"sil" if p in ("sil", "sp") else p for p in declared})
    manifest = json.loads((p2f_prepared / "manifest.json").read_text())
    assert manifest["phone_classes"]["bilabial"] == ["b", "m", "p"]
    assert {"u", "o", "y"} <= set(manifest["phone_classes"]["rounded_vowel"])
    # the 4-utterance corpus's 2 training utterances miss some phones: listed, not fatal
    assert manifest["rare_phones"] and all(n < 10 for n in manifest["rare_phones"].values())
