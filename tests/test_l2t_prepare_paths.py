"""A lip2tongue dataset prepared with a relative corpus path still finds the corpus (and so
the talker's truth: oracles, true-contour metrics) when used from another folder."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.truth import has_truth
from artimap.data.lip2tongue.utterance import Settings
from artimap.data.prepared import Prepared


def test_relative_corpus_paths_are_kept_absolute(talker_tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(talker_tiny.parent)
    manifest = prepare(Path(talker_tiny.name), tmp_path / "l2t", Settings(image_size=16),
                       split_lists=None, workers=1)
    assert Path(manifest["corpus"]).is_absolute()
    monkeypatch.chdir(tmp_path)  # elsewhere: the paths still lead to the corpus
    data = Prepared.open(tmp_path / "l2t", "lip2tongue")
    assert all(os.path.isabs(p) for e in data.entries for p in e.raw["files"].values())
    assert has_truth(data)


def test_a_moved_talker_corpus_is_warned_about(talker_tiny, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(talker_tiny, corpus)
    prepare(corpus, tmp_path / "l2t", Settings(image_size=16), workers=1)
    corpus.rename(tmp_path / "moved")
    with pytest.warns(UserWarning, match="talker corpus truth not found .*s01_0001.artic.npy"):
        assert not has_truth(Prepared.open(tmp_path / "l2t", "lip2tongue"))


def test_point_targets_of_a_talker_are_not_warned_about(talker_tiny, tmp_path):
    """Point targets have no oracles (no .param in their files), but nothing is missing."""
    prepare(talker_tiny, tmp_path / "pts", Settings(image_size=16, target="points"), workers=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not has_truth(Prepared.open(tmp_path / "pts", "lip2tongue"))
