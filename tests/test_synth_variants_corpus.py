"""Talker corpora of each coarticulation rule: deterministic, recorded, and each with its oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from artimap import cli
from artimap.data.prepared import Prepared
from artimap.synth.corpus import generate_corpus
from artimap.synth.truth import read_corpus_json
from artimap.tasks.phone2face.oracle import oracle_utterance, talker_info
from artimap.tasks.phone2face.references import predictions

VARIANTS = ("gaussian", "tracking")  # "dominance" is the shared talker_tiny fixture
RULES = ("dominance", *VARIANTS)
SAME = (".TextGrid", ".wav", ".txt", ".param")  # streams the articulation does not drive
DRIVEN = (".artic.npy", ".contour.csv", ".c3d", ".csv", ".mp4", ".ult")


@pytest.fixture(scope="module")
def corpora(talker_tiny, tmp_path_factory) -> dict[str, Path]:
    """Tiny corpora (seed 0) of every rule: rule -> folder."""
    root = tmp_path_factory.mktemp("variants")
    out = {"dominance": talker_tiny}
    for rule in VARIANTS:
        out[rule] = root / rule
        generate_corpus(out[rule], "tiny", seed=0, progress=False, coarticulation=rule)
    return out


def _utt(folder: Path, suffix: str) -> bytes:
    return (folder / "s01" / f"s01_0001{suffix}").read_bytes()


@pytest.mark.parametrize("rule", VARIANTS)
def test_same_seed_same_bytes_and_the_rule_in_corpus_json(corpora, tmp_path, rule):
    again = tmp_path / "again"
    generate_corpus(again, "tiny", seed=0, utterances=1, progress=False, coarticulation=rule)
    for suffix in SAME + DRIVEN:
        assert _utt(again, suffix) == _utt(corpora[rule], suffix), suffix
    assert read_corpus_json(corpora[rule])["coarticulation"] == rule
    assert read_corpus_json(corpora["dominance"])["coarticulation"] == "dominance"


def test_the_command_line_passes_the_rule_on(corpora, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("synth",))
    out = tmp_path / "c"
    assert cli.main(["synth", "--out", str(out), "--preset", "tiny", "--utterances", "1",
                     "--coarticulation", "tracking", "--quiet"]) == 0  # fmt: skip
    assert read_corpus_json(out)["coarticulation"] == "tracking"
    assert _utt(out, ".artic.npy") == _utt(corpora["tracking"], ".artic.npy")


def test_the_rules_change_only_what_the_articulation_drives(corpora):
    for i, rule in enumerate(RULES):
        for other in RULES[i + 1:]:
            for suffix in SAME:
                assert _utt(corpora[rule], suffix) == _utt(corpora[other], suffix), suffix
            for suffix in DRIVEN:
                assert _utt(corpora[rule], suffix) != _utt(corpora[other], suffix), suffix


@pytest.fixture(scope="module")
def prepared(corpora, p2f_prepared, tmp_path_factory) -> dict[str, Path]:
    """phone2face datasets of every rule's corpus, prepared like `p2f_prepared`."""
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face

    out = {"dominance": p2f_prepared}
    for rule in VARIANTS:
        dest = tmp_path_factory.mktemp(f"p2f_{rule}") / "prepared"
        out[rule] = prepare_phone2face(corpora[rule], dest, PrepareConfig(fallback="sil"))
    return out


def _rmse(pred: np.ndarray, true: np.ndarray, mask: np.ndarray) -> float:
    return float(np.sqrt(((pred - true)[mask] ** 2).mean()))


@pytest.mark.parametrize("rule", RULES)
def test_each_rules_oracle_regenerates_its_own_talker(prepared, rule):
    data = Prepared.open(prepared[rule], "phone2face")
    manifest, split = data.manifest, data.splits
    info = talker_info(manifest)
    assert info is not None and info["coarticulation"] == rule
    entries = [e for e in manifest["utterances"] if e["id"] in split["test"]]
    ids, lengths = [e["id"] for e in entries], [int(e["n_frames"]) for e in entries]
    rows = predictions(str(prepared[rule]), ids, lengths)
    assert "oracle" in rows
    markers, masks = data.array("markers"), data.array("mask")
    for e, oracle, floor in zip(entries, rows["oracle"][0], rows["mean_face"][0], strict=True):
        sl = slice(e["offset"], e["offset"] + e["n_frames"])
        true, mask = np.asarray(markers[sl], np.float64), np.asarray(masks[sl])
        assert np.isfinite(oracle).all()
        assert _rmse(oracle, true, mask) < 0.5 * _rmse(floor, true, mask)
        # at the corpus's variability the same-noise oracle is the truth, under its own rule
        # only: another rule's regeneration is clearly off
        same = oracle_utterance(manifest, info, e["id"], len(true), "oracle_same_noise", 1.0)
        assert np.abs(same[mask] - true[mask]).max() < 1e-3
        other = next(r for r in RULES if r != rule)
        wrong = oracle_utterance(manifest, {**info, "coarticulation": other}, e["id"], len(true),
                                 "oracle_same_noise", 1.0)  # fmt: skip
        assert _rmse(wrong, true, mask) > 0.05


def test_a_corpus_without_the_field_is_a_dominance_talker(prepared, tmp_path):
    manifest = Prepared.open(prepared["dominance"], "phone2face").manifest
    info = talker_info(manifest)
    old = {k: v for k, v in info.items() if k != "coarticulation"}  # corpora made before it
    uid = manifest["utterances"][0]["id"]
    n = int(manifest["utterances"][0]["n_frames"])
    np.testing.assert_array_equal(oracle_utterance(manifest, old, uid, n),
                                  oracle_utterance(manifest, info, uid, n))
