"""Virtual talker's articulation: closures, rounding anticipation, what the lips show."""

from __future__ import annotations

import numpy as np
import pytest

from artimap.errors import ArtimapError
from artimap.synth.coartic import articulate, dominance_blend
from artimap.synth.lips import roi_box
from artimap.synth.phones import PARAMS, PHONES, check_phones
from artimap.synth.sentences import Script, make_script
from artimap.synth.speaker import make_speaker, stream_rng
from artimap.synth.utterance import synthesize_utterance

AP, PRO = PARAMS.index("lip_aperture"), PARAMS.index("lip_protrusion")
LIPS = [PARAMS.index(p) for p in ("jaw", "lip_aperture", "lip_protrusion", "lip_spreading")]


def _script(phones: list[str], durs: list[float]) -> Script:
    ends = np.round(np.cumsum(durs), 2)
    starts = np.concatenate([[0.0], ends[:-1]])
    return Script(phones, starts, ends, [("w", float(starts[1]), float(ends[-2]))])


def _at_centres(script: Script, x: np.ndarray) -> np.ndarray:
    """(P, N) state at each phone centre, x (T, N) at 1 kHz."""
    return x[np.round(script.centres * 1000).astype(int)]


def test_dominance_blend_is_the_weighted_mean_of_targets():
    t = np.array([0.0, 0.5, 1.0])
    targets = np.array([[0.0], [1.0]])
    one = np.ones((2, 1))
    x = dominance_blend(t, np.array([0.0, 1.0]), targets, one, 5 * one, 5 * one)
    w = np.exp(-5 * np.array([[0, 1], [0.5, 0.5], [1, 0]]))  # (T, P) dominances
    np.testing.assert_allclose(x[:, 0], w[:, 1] / w.sum(1), rtol=1e-5)


def test_phone_table_and_unknown_phones():
    assert len([p for p, (c, _) in PHONES.items() if c != "silence"]) >= 35
    with pytest.raises(ArtimapError, match="unknown phones"):
        check_phones(["a", "th"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bilabials_close_the_lips_in_any_context(seed):
    sp = make_speaker(1, seed)
    at_closures = []
    for index in range(1, 6):
        script = make_script(stream_rng(seed, 2, 1, index), (2.0, 3.0), sp.rate, 1.0)
        x = articulate(script, sp, stream_rng(seed, 3, 1, index), 1000.0)
        centres = _at_centres(script, x)
        closed = np.array([p in ("p", "b", "m") for p in script.phones])
        vowels = np.array([PHONES[p][1] == "vowel" for p in script.phones])
        at_closures.extend(centres[closed, AP])
        assert centres[vowels, AP].mean() > 0.1  # while vowels stay open
    assert len(at_closures) >= 3  # the sentences do contain bilabials to check
    assert max(at_closures) < 0.05


def rounding_contrast(coarticulation: str = "dominance") -> tuple[np.ndarray, np.ndarray]:
    """Lip protrusion (P,) at the phone centres of /istRy/ and of /istRi/ (the classic
    anticipation case) under a coarticulation rule."""
    sp = make_speaker(1, 0)
    durs = [0.3, 0.1, 0.08, 0.07, 0.06, 0.12, 0.3]
    prot = {}
    for vowel in ("y", "i"):
        script = _script(["sil", "i", "s", "t", "R", vowel, "sil"], durs)
        x = articulate(script, sp, stream_rng(0, 3, 1, 1), 1000.0,
                       coarticulation=coarticulation)
        prot[vowel] = _at_centres(script, x)[:, PRO]
    return prot["y"], prot["i"]


def test_rounding_is_anticipated_several_phones_ahead():
    rounded, spread = rounding_contrast()
    assert np.all(rounded[2:6] - spread[2:6] > 0.2)  # from /s/, three phones ahead
    assert rounded[2] < rounded[3] < rounded[4] < rounded[5]  # rises towards the /y/
    assert np.ptp(spread[2:5]) < 0.1  # flat before a spread vowel


def test_alveolars_and_velars_look_alike_on_the_lips_not_in_the_tongue():
    sp = make_speaker(2, 0)
    states = {}
    for c in ("t", "k"):
        script = _script(["sil", "a", c, "a", "sil"], [0.3, 0.12, 0.07, 0.12, 0.3])
        states[c] = _at_centres(script, articulate(script, sp, stream_rng(0, 3, 2, 1), 1e3))[2]
    diff = np.abs(states["t"] - states["k"])
    assert diff[LIPS].max() < 0.08
    assert diff[PARAMS.index("tongue_tip_height")] > 0.4
    assert diff[PARAMS.index("tongue_body_height")] > 0.3


def test_video_mouth_opening_follows_lip_aperture_and_closes_on_bilabials():
    closures, opens, corr = [], [], []
    for index in range(1, 5):
        utt = synthesize_utterance(1, index, 0, "tiny")
        x, y, w, h = roi_box(utt.speaker)
        median = np.median(utt.video.reshape(len(utt.video), -1), axis=1)
        dark = (utt.video[:, y : y + h, x : x + w] < 0.5 * median[:, None, None]).sum((1, 2))
        ap = utt.artic[np.round(utt.video_times * 1000).astype(int), AP]
        corr.append(np.corrcoef(dark, ap)[0, 1])
        for p, c in zip(utt.script.phones, utt.script.centres, strict=True):
            frame = int(round(c * 60))
            if p in ("p", "b", "m"):
                closures.append(dark[frame])
            elif PHONES[p][0] == "open_vowel":
                opens.append(dark[frame])
    assert closures and opens
    assert max(closures) < 0.1 * min(opens)
    assert min(corr) > 0.8
