"""Random French-like sentences with phone timings, as a forced aligner would report them.

Syllables are CV, CVC or CCV, grouped into words of one to three syllables. Phone durations
are log-normal per manner of articulation, scaled by the speaker's rate and a per-sentence
rate factor; boundaries fall on a 10 ms grid like an aligner's. Every sentence starts with a
silence long enough to cover the ultrasound's first-frame delay and ends with a silence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from artimap.synth.phones import PHONES, VOWELS

# manner -> (median duration in s, log-normal sigma)
DURATIONS: dict[str, tuple[float, float]] = {
    "plosive": (0.065, 0.25), "fricative": (0.085, 0.25), "nasal": (0.060, 0.25),
    "liquid": (0.055, 0.25), "glide": (0.050, 0.25), "vowel": (0.095, 0.30),
    "nasal_vowel": (0.115, 0.25), "silence": (0.100, 0.30),
}  # fmt: skip
ONSETS = ("p", "b", "m", "f", "v", "t", "d", "n", "s", "z", "l", "S", "Z", "J", "j",
          "k", "g", "R", "w", "H")  # fmt: skip
CLUSTERS = ("pR", "bR", "tR", "dR", "kR", "gR", "fR", "vR", "pl", "bl", "kl", "gl", "fl",
            "sp", "st", "sk")  # fmt: skip
CODAS = ("R", "l", "s", "k", "t", "p", "m", "n", "S", "Z")
MIN_PHONE = 0.03
PAUSE_PROB = 0.12  # chance of a short pause `sp` between two words
EDGE_SILENCE = (0.15, 0.40)  # leading (after the lead-in) and trailing silence, seconds


@dataclass
class Script:
    """The phone and word sequence of one utterance with times in seconds.

    phones, starts, ends: P phones and their interval bounds (starts[0] == 0).
    words: (label, start, end) per word; silences and pauses are not words.
    """

    phones: list[str]
    starts: np.ndarray  # (P,)
    ends: np.ndarray  # (P,)
    words: list[tuple[str, float, float]]

    @property
    def duration(self) -> float:
        return float(self.ends[-1])

    @property
    def centres(self) -> np.ndarray:
        """(P,) phone centres in seconds."""
        return 0.5 * (self.starts + self.ends)

    @property
    def prompt(self) -> str:
        """The sentence as text (SAMPA words separated by spaces) with a full stop."""
        return " ".join(w for w, _, _ in self.words) + "."


def _syllable(rng: np.random.Generator) -> list[str]:
    """One syllable as a list of phones."""
    kind = rng.choice(3, p=[0.6, 0.25, 0.15])  # CV, CVC, CCV
    if kind == 2:
        onset = list(CLUSTERS[rng.integers(len(CLUSTERS))])
    else:
        onset = [ONSETS[rng.integers(len(ONSETS))]]
    syl = onset + [VOWELS[rng.integers(len(VOWELS))]]
    if kind == 1:
        syl.append(CODAS[rng.integers(len(CODAS))])
    return syl


def _word(rng: np.random.Generator) -> list[str]:
    n_syl = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    return [p for _ in range(n_syl) for p in _syllable(rng)]


def _durations(rng: np.random.Generator, phones: list[str], rate: float) -> np.ndarray:
    """(P,) log-normal durations on the aligner grid."""
    med, sigma = np.array([DURATIONS[PHONES[p][1]] for p in phones]).T
    dur = med * rate * np.exp(sigma * rng.standard_normal(len(phones)))
    return np.maximum(np.round(dur, 2), MIN_PHONE)  # on the 10 ms grid


def make_script(
    rng: np.random.Generator, speech_s: tuple[float, float], rate: float, lead_in: float
) -> Script:
    """A random sentence whose spoken part lasts about U(speech_s) seconds.

    `rate` multiplies all durations; `lead_in` (s) is added to the leading silence.
    """
    sentence_rate = rate * float(np.exp(rng.normal(0.0, 0.1)))
    target = rng.uniform(*speech_s)
    words: list[list[str]] = []
    phones: list[str] = ["sil"]
    word_of: list[int] = [-1]  # word index of each phone, -1 for silences
    durs: list[float] = [0.0]  # the leading silence is set below
    spoken = 0.0
    while spoken < target:
        if words and rng.random() < PAUSE_PROB:
            phones.append("sp")
            word_of.append(-1)
            durs.extend(_durations(rng, ["sp"], sentence_rate))
        word = _word(rng)
        d = _durations(rng, word, sentence_rate)
        phones.extend(word)
        word_of.extend([len(words)] * len(word))
        durs.extend(d)
        spoken += float(d.sum())
        words.append(word)
    lead, trail = rng.uniform(*EDGE_SILENCE, size=2)
    durs[0] = round(lead_in + lead, 2)
    phones.append("sil")
    word_of.append(-1)
    durs.append(round(trail, 2))
    ends = np.round(np.cumsum(durs), 2)  # on the grid, without float drift
    starts = np.concatenate([[0.0], ends[:-1]])
    return Script(phones, starts, ends, _word_spans(words, word_of, starts, ends))


def _word_spans(words, word_of, starts, ends) -> list[tuple[str, float, float]]:
    idx = np.asarray(word_of)
    spans = []
    for w, word in enumerate(words):
        where = np.flatnonzero(idx == w)
        spans.append(("".join(word), float(starts[where[0]]), float(ends[where[-1]])))
    return spans
