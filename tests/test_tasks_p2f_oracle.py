"""The phone2face oracle: the talker's markers regenerated from the phones and their timing."""

from __future__ import annotations

import numpy as np

from artimap.data.prepared import Prepared
from artimap.tasks.phone2face.oracle import oracle_utterance, talker_info


def _truth(prepared, uid):
    _p = Prepared.open(prepared, "phone2face")
    manifest, _ = _p.manifest, _p.splits
    e = next(e for e in manifest["utterances"] if e["id"] == uid)
    sl = slice(e["offset"], e["offset"] + e["n_frames"])
    return manifest, np.asarray(_p.array("markers")[sl], np.float64), \
        np.asarray(_p.array("mask")[sl])


def test_oracle_reproduces_the_prepared_markers_at_the_corpus_variability(p2f_prepared):
    manifest, true, mask = _truth(p2f_prepared, "s01_0002")
    info = talker_info(manifest)
    assert info is not None
    # with the corpus's own variability the same-noise oracle is the truth, bit for bit (float32)
    same = oracle_utterance(manifest, info, "s01_0002", len(true), "oracle_same_noise", 1.0)
    assert np.array_equal(np.isfinite(same).all(axis=2), mask)
    assert np.abs(same[mask] - true[mask]).max() < 1e-3
    # variability off: close to the truth, but not equal (the tokens vary in the corpus)
    off = oracle_utterance(manifest, info, "s01_0002", len(true), "oracle_same_noise")
    rms = np.sqrt(((off - true)[mask] ** 2).mean())
    assert 0.01 < rms < 0.5
    clean = oracle_utterance(manifest, info, "s01_0002", len(true), "oracle")
    assert np.isfinite(clean).all() and np.sqrt(((clean - true)[mask] ** 2).mean()) < 0.5


def test_no_oracle_without_a_talker_corpus(p2f_prepared):
    _p = Prepared.open(p2f_prepared, "phone2face")
    manifest, _ = _p.manifest, _p.splits
    assert talker_info({**manifest, "corpus": str(p2f_prepared)}) is None


def test_oracle_equals_the_truth_of_a_talker_without_variability(tmp_path, monkeypatch):
    import artimap.synth.coartic as coartic
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
    from artimap.synth.corpus import generate_corpus

    monkeypatch.setattr(coartic, "TOKEN_SD", 0.0)
    monkeypatch.setattr(coartic, "DRIFT_SD", 0.0)
    generate_corpus(tmp_path / "c", "tiny", seed=3, progress=False)
    prepared = prepare_phone2face(tmp_path / "c", tmp_path / "p", PrepareConfig(fps=30.0))
    _p = Prepared.open(prepared, "phone2face")
    manifest, split = _p.manifest, _p.splits
    info = talker_info(manifest)
    for uid in split["test"]:
        _, true, mask = _truth(prepared, uid)
        same = oracle_utterance(manifest, info, uid, len(true), "oracle_same_noise")
        assert np.abs(same[mask] - true[mask]).max() < 1e-3
