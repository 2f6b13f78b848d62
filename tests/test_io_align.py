"""Alignment type, label clean-up, validation, and every reader on small hand-written files."""

from __future__ import annotations

import pytest

from artimap.errors import ArtimapError
from artimap.io.alignment import (
    Alignment,
    Interval,
    fill_gaps,
    from_tuples,
    normalise_labels,
    strip_stress,
    validate,
)
from artimap.io.alignment_formats import read_alignment, sniff_lab_format
from artimap.io.ctm import read_ctm, read_ctm_all
from artimap.io.htk import context_phone, read_htk_lab
from artimap.io.lab import read_lab
from artimap.io.textgrid import read_textgrid, textgrid_tiers, write_textgrid

PHONES = from_tuples([(0.0, 0.2, ""), (0.2, 0.3, "HH"), (0.3, 0.5, "AH0"), (0.6, 0.8, "sil")])
WORDS = from_tuples([(0.2, 0.5, "ha")])


def test_frame_labels_use_start_inclusive_intervals():
    labels = PHONES.frame_labels(fps=10, n_frames=11, default="?")
    # t = 0.2 -> HH (start inclusive), 0.5..0.6 is a gap, 0.8 is the last interval's end
    assert labels == ["", "", "HH", "AH0", "AH0", "?", "sil", "sil", "sil", "?", "?"]
    assert PHONES.end == 0.8 and PHONES.labels()[1] == "HH"
    assert PHONES.label_at(0.25) == "HH" and PHONES.label_at(0.55, "gap") == "gap"


def test_label_normalisation():
    assert strip_stress("AH0") == "AH" and strip_stress("IY1") == "IY" and strip_stress("p") == "p"
    assert strip_stress("ER2") == "ER" and strip_stress("5") == "5"
    ali = from_tuples([(0, 1, ""), (1, 2, "sp"), (2, 3, "AH1"), (3, 4, "<sil>"), (4, 5, "pau")])
    out = normalise_labels(ali, strip_stress_digits=True, silence="sil")
    assert out.labels() == ["sil", "sil", "AH", "sil", "sil"]
    merged = normalise_labels(ali, silence="sil", merge_silence=True)
    assert merged.labels() == ["sil", "AH1", "sil"]
    assert merged.intervals[0] == Interval(0, 2, "sil")
    assert merged.intervals[2] == Interval(3, 5, "sil")


def test_fill_gaps():
    out = fill_gaps(from_tuples([(0.1, 0.2, "a"), (0.3, 0.4, "b")]), "sil", end=0.5)
    assert out.labels() == ["sil", "a", "sil", "b", "sil"]
    assert out.intervals[-1] == Interval(0.4, 0.5, "sil")


@pytest.mark.parametrize(
    ("rows", "duration", "problem"),
    [
        ([(0.0, 0.5, "a"), (0.4, 0.8, "b")], None, "overlaps"),
        ([(0.5, 0.8, "a"), (0.0, 0.5, "b")], None, "not sorted"),
        ([(0.0, 0.5, "a"), (0.5, 0.4, "b")], None, "ends before it starts"),
        ([(0.0, 0.5, "a"), (0.5, 1.2, "b")], 1.0, "after the recording"),
    ],
)
def test_validate_errors_name_the_file(rows, duration, problem):
    with pytest.raises(ArtimapError, match=problem) as err:
        validate(from_tuples(rows, source="utt7.lab"), duration)
    assert str(err.value).startswith("utt7.lab: ")


def test_validate_tolerates_rounding_overlap():
    validate(from_tuples([(0.0, 2.43, "S"), (2.4299999, 2.58, "I")]), duration=2.58)


def test_textgrid_round_trip_keeps_silences(tmp_path):
    path = tmp_path / "utt.TextGrid"
    write_textgrid(path, {"words": WORDS, "phones": PHONES}, duration=1.0)
    assert textgrid_tiers(path) == ["words", "phones"]
    phones = read_textgrid(path)
    assert phones.tier == "phones" and phones.source == str(path)
    assert phones.labels() == ["", "HH", "AH0", "", "sil", ""]
    assert phones.intervals[2] == Interval(0.3, 0.5, "AH0") and phones.end == 1.0
    assert read_textgrid(path, "words").labels() == ["", "ha", ""]
    assert read_textgrid(path, "WORDS").tier == "words"
    assert not list(tmp_path.glob(".*tmp*")), "temporary file left behind"


def test_textgrid_missing_tier_lists_tiers(tmp_path):
    path = tmp_path / "utt.TextGrid"
    write_textgrid(path, {"words": WORDS, "phones": PHONES}, duration=1.0)
    msg = r"utt\.TextGrid: no tier named 'segment'; tiers present: \['words', 'phones'\]"
    with pytest.raises(ArtimapError, match=msg):
        read_textgrid(path, "segment")
    write_textgrid(path, {"words": WORDS, "other": PHONES}, duration=1.0)
    with pytest.raises(ArtimapError, match=r"no phone tier among \['words', 'other'\]"):
        read_textgrid(path)
    write_textgrid(path, {"only": PHONES}, duration=1.0)
    assert read_textgrid(path).tier == "only"


def test_textgrid_writer_rejects_bad_input(tmp_path):
    path = tmp_path / "utt.TextGrid"
    with pytest.raises(ArtimapError, match="after the recording"):
        write_textgrid(path, {"phones": PHONES}, duration=0.7)
    with pytest.raises(ArtimapError, match="overlaps"):
        write_textgrid(path, {"phones": from_tuples([(0, 0.5, "a"), (0.4, 0.6, "b")])}, 1.0)
    assert not path.exists()
    (tmp_path / "bad.TextGrid").write_text("this is not a textgrid\n")
    with pytest.raises(ArtimapError, match=r"bad\.TextGrid"):
        read_textgrid(tmp_path / "bad.TextGrid")


def test_context_phone():
    assert context_phone("x^x-sil+ao=th@x_x/A:0_0_0/B:x-x-x") == "sil"
    assert context_phone("sil^ao-th+er=ah@2_1/A:0_0_0") == "th"
    assert context_phone("k-ae+t") == "ae" and context_phone("ae+t") == "ae"
    assert context_phone("sil") == "sil"


def test_htk_labels(tmp_path):
    path = tmp_path / "a.lab"
    path.write_text("0 2000000 sil\n2000000 3500000 k-ae+t -12.5\n3500000 5000000 t\n")
    ali = read_htk_lab(path)
    assert ali.intervals == [
        Interval(0, 0.2, "sil"), Interval(0.2, 0.35, "ae"), Interval(0.35, 0.5, "t")
    ]
    assert read_htk_lab(path, full_context=False).labels()[1] == "k-ae+t"
    assert sniff_lab_format(path) == "htk"
    assert read_alignment(path, silence="pau").labels() == ["pau", "ae", "t"]


def test_htk_untimed_and_mlf(tmp_path):
    untimed = tmp_path / "u.lab"
    untimed.write_text("sil\na^b-c+d=e@1\nsil\n")
    ali = read_alignment(untimed)
    assert ali.labels() == ["sil", "c", "sil"] and all(iv.start != iv.start for iv in ali)
    mlf = tmp_path / "all.mlf"
    mlf.write_text(
        '#!MLF!#\n"*/u1.lab"\n0 100000 a\n100000 200000 b\n.\n"*/u2.lab"\n0 50000 c\n.\n'
    )
    assert read_htk_lab(mlf, utterance="u2").intervals == [Interval(0, 0.005, "c")]
    with pytest.raises(ArtimapError, match=r"all\.mlf: .*entries: \['u1', 'u2'\]"):
        read_htk_lab(mlf)


@pytest.mark.parametrize(
    "text", ["0.0 0.5 a\n", "0 1000000 sil\n1000000 x b\n", "0 1000000 sil\n1000000 2000000\n"]
)
def test_htk_malformed_lines(tmp_path, text):
    path = tmp_path / "bad.lab"
    path.write_text(text)
    with pytest.raises(ArtimapError, match=r"bad\.lab"):
        read_htk_lab(path)


def test_lab_seconds_and_esps(tmp_path):
    secs = tmp_path / "m.lab"
    secs.write_text("0 0.25 sil\n0.25 0.3 dh\n0.3 0.5 i\n")
    assert sniff_lab_format(secs) == "lab"
    assert read_alignment(secs).intervals[1] == Interval(0.25, 0.3, "dh")
    esps = tmp_path / "x.lab"
    esps.write_text("signal x\ntype 0\ncolor 121\nnfields 1\n#\n 0.25 121 sil\n 0.40 121 dh\n")
    assert read_lab(esps).intervals == [Interval(0, 0.25, "sil"), Interval(0.25, 0.4, "dh")]
    bad = tmp_path / "bad.lab"
    bad.write_text("0 0.25 sil\n0.2 0.5 dh\n")
    with pytest.raises(ArtimapError, match=r"bad\.lab: interval 1 .*overlaps"):
        read_alignment(bad)
    bad.write_text("0 0.25 sil\n0.25 oops dh\n")
    with pytest.raises(ArtimapError, match=r"bad\.lab: line 2: malformed"):
        read_lab(bad)


def test_ctm_several_utterances(tmp_path):
    path = tmp_path / "ali.ctm"
    path.write_text(
        ";; comment\nu1 1 0.00 0.30 SIL\nu1 1 0.30 0.10 AH0 0.9\nu1 1 0.40 0.25 B\n"
        "u2 A 0.00 0.50 SIL\nu2 A 0.50 0.20 K\n"
    )
    assert sorted(read_ctm_all(path)) == ["u1", "u2"]
    u1 = read_alignment(path, utterance="u1", strip_stress=True)
    assert u1.labels() == ["SIL", "AH", "B"]
    assert u1.intervals[2].start == pytest.approx(0.4)
    assert u1.intervals[2].end == pytest.approx(0.65)  # start + duration
    with pytest.raises(ArtimapError, match=r"ali\.ctm: holds 2 utterances \(u1, u2\)"):
        read_ctm(path)
    with pytest.raises(ArtimapError, match=r"no utterance 'u3'; present: u1, u2"):
        read_ctm(path, "u3")
    path.write_text("u1 1 0.00 SIL\n")
    with pytest.raises(ArtimapError, match=r"ali\.ctm: line 1: malformed CTM line"):
        read_ctm(path)


def test_dispatcher_rejects_unknown_extension(tmp_path):
    with pytest.raises(ArtimapError, match=r"x\.json: unknown alignment extension"):
        read_alignment(tmp_path / "x.json")
    with pytest.raises(ArtimapError, match="after the recording"):
        p = tmp_path / "m.lab"
        p.write_text("0 0.25 sil\n0.25 0.9 dh\n")
        read_alignment(p, duration=0.5)


def test_alignment_is_plain_data():
    a = Alignment([Interval(0, 1, "a")], source="x")
    assert a == Alignment([Interval(0, 1, "a")], source="x") and len(a) == 1
    assert a.shifted(1.0).intervals[0] == Interval(1, 2, "a")
