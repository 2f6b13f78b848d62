"""Bad input and interrupted runs: one-line errors, resume from the cache, no half corpus."""

from __future__ import annotations

import json

import numpy as np
import pytest

import artimap_vtl.corpus as vtl_corpus
from artimap.errors import ArtimapError
from artimap.synth.phones import PHONES
from artimap_vtl.phonemap import PHONE_MAP, to_segments
from artimap_vtl.score import UnrealisableError, gestural_score, jitter_tract


def test_every_talker_phone_is_mapped():
    assert set(PHONES) <= set(PHONE_MAP)


def test_unknown_phone_is_named():
    with pytest.raises(ArtimapError, match=r"\['Q'\].*PHONE_MAP"):
        to_segments(["sil", "a", "Q", "a", "sil"])


def test_sequence_without_vowel_is_refused():
    with pytest.raises(UnrealisableError, match="without a vowel"):
        gestural_score("x", ["sil", "p", "t", "k", "sil"], np.full(5, 0.3))


def test_too_short_sequence_is_refused():
    with pytest.raises(UnrealisableError, match="lasts"):  # VTL's score has a minimum length
        gestural_score("x", ["sil", "a", "sil"], np.array([0.05, 0.1, 0.05]))


def test_oracle_is_the_score_without_jitter():
    score = gestural_score("x", ["sil", "p", "a", "t", "i", "sil"], np.full(6, 0.15))
    starts = np.arange(6) * 0.15
    rng = np.random.default_rng(0)
    assert np.array_equal(jitter_tract(score, starts, rng, sd=0.0), score.tract)
    jittered = jitter_tract(score, starts, np.random.default_rng(0))
    assert 0 < np.abs(jittered - score.tract).max() < 1.0


def test_failure_leaves_no_corpus(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ArtimapError("utterance s01_0001: broken on purpose")

    monkeypatch.setattr(vtl_corpus, "synthesize_vtl", broken)
    with pytest.raises(ArtimapError, match="on purpose"):
        vtl_corpus.generate(tmp_path / "t", cache=tmp_path / "c", workers=1)
    assert not (tmp_path / "t").exists()
    assert not list((tmp_path / "c").rglob("entry.json"))


def test_rerun_resumes_from_cache_and_shards_merge(tiny, tmp_path):
    cache, utts = tiny["cache"], tiny["meta"]["utterances"]
    key = next(cache.iterdir())
    lost = key / utts[-1]["id"]  # as if the run had been killed before the last utterance
    before = {u["id"]: (key / u["id"] / "entry.json").stat().st_mtime_ns for u in utts[:-1]}
    old_audio = (lost / utts[-1]["files"]["audio"]).read_bytes()
    for p in sorted(lost.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    lost.rmdir()
    assert vtl_corpus.generate(tmp_path / "s", cache=cache, shard=(2, 2)) is None
    assert not (tmp_path / "s").exists()  # a shard fills the cache only
    meta = vtl_corpus.generate(tmp_path / "t", cache=cache, workers=1)
    assert [u["id"] for u in meta["utterances"]] == [u["id"] for u in utts]
    after = {u["id"]: (key / u["id"] / "entry.json").stat().st_mtime_ns for u in utts[:-1]}
    assert after == before  # the cached utterances were not made again
    new = tmp_path / "t" / utts[-1]["files"]["audio"]
    assert new.read_bytes() == old_audio  # the remade one is byte-identical
    assert json.loads((tmp_path / "t" / "corpus.json").read_text()) == meta


def test_existing_output_is_refused_before_any_work(tiny):
    with pytest.raises(ArtimapError, match="already exists"):
        vtl_corpus.generate(tiny["out"], cache=tiny["cache"])
