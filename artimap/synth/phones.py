"""The virtual talker's phone inventory: French phones in SAMPA, with articulatory targets.

Every phone has a place class and a manner, a target for each articulatory parameter and, per
class, a dominance (magnitude `a`, rate before and after the phone centre `theta`) for each
parameter, as in Cohen & Massaro's coarticulation model (see `coartic.py`).

Parameters are normalised to [0, 1]:
    jaw                 jaw opening (0 closed)
    lip_aperture        vertical opening between the lips (0 closed)
    lip_protrusion      lips pushed forward and rounded
    lip_spreading       mouth corners pulled apart
    tongue_body_height  tongue dorsum height (1 touches the palate)
    tongue_body_front   tongue dorsum position (0 back, 1 front)
    tongue_tip_height   tongue tip/blade height (1 touches the alveolar ridge)
    tongue_root_advance tongue root position (0 retracted, 1 advanced)
"""

from __future__ import annotations

import numpy as np

from artimap.errors import ArtimapError

PARAMS: tuple[str, ...] = (
    "jaw", "lip_aperture", "lip_protrusion", "lip_spreading",
    "tongue_body_height", "tongue_body_front", "tongue_tip_height", "tongue_root_advance",
)  # fmt: skip
N_PARAMS = len(PARAMS)

# phone -> (class, manner). Silences: `sil` (utterance edges) and `sp` (short pause).
PHONES: dict[str, tuple[str, str]] = {
    "p": ("bilabial", "plosive"), "b": ("bilabial", "plosive"), "m": ("bilabial", "nasal"),
    "f": ("labiodental", "fricative"), "v": ("labiodental", "fricative"),
    "t": ("alveolar", "plosive"), "d": ("alveolar", "plosive"), "n": ("alveolar", "nasal"),
    "s": ("alveolar", "fricative"), "z": ("alveolar", "fricative"), "l": ("alveolar", "liquid"),
    "S": ("postalveolar", "fricative"), "Z": ("postalveolar", "fricative"),
    "J": ("palatal", "nasal"), "j": ("palatal", "glide"),
    "k": ("velar", "plosive"), "g": ("velar", "plosive"),
    "R": ("uvular", "liquid"),
    "w": ("labiovelar", "glide"), "H": ("labiopalatal", "glide"),
    "i": ("spread_vowel", "vowel"), "e": ("spread_vowel", "vowel"), "E": ("spread_vowel", "vowel"),
    "y": ("rounded_vowel", "vowel"), "2": ("rounded_vowel", "vowel"),
    "9": ("rounded_vowel", "vowel"), "u": ("rounded_vowel", "vowel"),
    "o": ("rounded_vowel", "vowel"), "O": ("rounded_vowel", "vowel"),
    "a": ("open_vowel", "vowel"), "A": ("open_vowel", "vowel"),
    "@": ("central_vowel", "vowel"),
    "e~": ("nasal_vowel", "nasal_vowel"), "a~": ("nasal_vowel", "nasal_vowel"),
    "o~": ("nasal_vowel", "nasal_vowel"), "9~": ("nasal_vowel", "nasal_vowel"),
    "sil": ("silence", "silence"), "sp": ("silence", "silence"),
}  # fmt: skip

VOICELESS = frozenset({"p", "t", "k", "f", "s", "S", "sil", "sp"})
VOWELS = tuple(p for p, (_, manner) in PHONES.items() if manner in ("vowel", "nasal_vowel"))

# Targets, in PARAMS order: jaw, lip ap, protr, spread, body height, body front, tip, root.
TARGETS: dict[str, tuple[float, ...]] = {
    "i": (0.15, 0.30, 0.05, 0.95, 0.95, 0.95, 0.45, 0.85),
    "e": (0.25, 0.40, 0.10, 0.80, 0.75, 0.85, 0.40, 0.70),
    "E": (0.40, 0.55, 0.10, 0.65, 0.55, 0.75, 0.35, 0.55),
    "y": (0.15, 0.15, 0.95, 0.05, 0.95, 0.90, 0.45, 0.85),
    "2": (0.25, 0.25, 0.85, 0.10, 0.75, 0.80, 0.40, 0.70),
    "9": (0.40, 0.40, 0.75, 0.15, 0.55, 0.70, 0.35, 0.55),
    "u": (0.15, 0.12, 1.00, 0.00, 0.90, 0.10, 0.30, 0.60),
    "o": (0.30, 0.25, 0.85, 0.10, 0.70, 0.15, 0.30, 0.45),
    "O": (0.45, 0.45, 0.70, 0.20, 0.50, 0.20, 0.25, 0.35),
    "a": (0.75, 0.80, 0.20, 0.45, 0.15, 0.45, 0.25, 0.25),
    "A": (0.70, 0.75, 0.30, 0.35, 0.15, 0.20, 0.20, 0.15),
    "@": (0.35, 0.40, 0.55, 0.30, 0.55, 0.55, 0.35, 0.50),
    "e~": (0.45, 0.55, 0.15, 0.55, 0.45, 0.70, 0.30, 0.45),
    "a~": (0.60, 0.60, 0.50, 0.25, 0.20, 0.20, 0.20, 0.20),
    "o~": (0.35, 0.30, 0.90, 0.10, 0.50, 0.15, 0.25, 0.35),
    "9~": (0.45, 0.50, 0.70, 0.20, 0.50, 0.65, 0.30, 0.45),
    "p": (0.20, 0.00, 0.30, 0.40, 0.50, 0.50, 0.30, 0.50),
    "b": (0.20, 0.00, 0.30, 0.40, 0.50, 0.50, 0.30, 0.50),
    "m": (0.20, 0.00, 0.30, 0.40, 0.50, 0.50, 0.30, 0.50),
    "f": (0.15, 0.08, 0.20, 0.45, 0.50, 0.55, 0.35, 0.50),
    "v": (0.15, 0.08, 0.20, 0.45, 0.50, 0.55, 0.35, 0.50),
    "t": (0.22, 0.30, 0.25, 0.45, 0.60, 0.65, 1.00, 0.55),
    "d": (0.22, 0.30, 0.25, 0.45, 0.60, 0.65, 1.00, 0.55),
    "n": (0.25, 0.32, 0.25, 0.45, 0.60, 0.65, 1.00, 0.55),
    "s": (0.15, 0.25, 0.20, 0.55, 0.65, 0.70, 0.90, 0.60),
    "z": (0.15, 0.25, 0.20, 0.55, 0.65, 0.70, 0.90, 0.60),
    "l": (0.28, 0.35, 0.25, 0.45, 0.50, 0.55, 0.95, 0.45),
    "S": (0.18, 0.25, 0.75, 0.20, 0.70, 0.60, 0.85, 0.60),
    "Z": (0.18, 0.25, 0.75, 0.20, 0.70, 0.60, 0.85, 0.60),
    "J": (0.22, 0.30, 0.25, 0.50, 1.00, 0.95, 0.40, 0.80),
    "j": (0.20, 0.28, 0.20, 0.60, 0.95, 0.95, 0.40, 0.80),
    "k": (0.25, 0.32, 0.25, 0.45, 1.00, 0.25, 0.25, 0.45),
    "g": (0.25, 0.32, 0.25, 0.45, 1.00, 0.25, 0.25, 0.45),
    "R": (0.30, 0.35, 0.30, 0.40, 0.60, 0.05, 0.20, 0.10),
    "w": (0.20, 0.15, 0.90, 0.05, 0.90, 0.10, 0.30, 0.55),
    "H": (0.18, 0.18, 0.90, 0.05, 0.95, 0.90, 0.40, 0.80),
    "sil": (0.10, 0.05, 0.30, 0.40, 0.50, 0.50, 0.30, 0.50),
    "sp": (0.20, 0.15, 0.30, 0.40, 0.50, 0.50, 0.30, 0.50),
}

# class -> (a, theta_before, theta_after) per parameter; theta in 1/s. Strong, sharp dominance
# where the class has a constriction; weak, broad dominance elsewhere, so those parameters
# follow the neighbouring vowels (coarticulation).
_W, _V, _S = 0.15, 1.0, 8.0  # weak, vowel, strong magnitudes
DOMINANCE: dict[str, tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = {
    "bilabial": ((_V, 12.0, _W, _W, _W, _W, _W, _W), (50,) * 8, (50,) * 8),
    "labiodental": ((_V, 10.0, _W, _W, _W, _W, _W, _W), (50,) * 8, (50,) * 8),
    "alveolar": ((1.5, _W * 2, _W, _W, 0.4, 0.4, _S, _W), (40,) * 8, (40,) * 8),
    "postalveolar": ((1.5, 0.5, 2.0, 1.0, 1.0, 1.0, _S, _W), (35,) * 8, (35,) * 8),
    "palatal": ((1.0, 0.4, _W, 0.6, _S, _S, 0.5, 1.0), (35,) * 8, (35,) * 8),
    "velar": ((1.0, _W * 2, _W, _W, _S, 2.0, 0.3, 0.5), (40,) * 8, (40,) * 8),
    "uvular": ((0.8, _W * 2, _W, _W, 2.0, 3.0, 0.3, 3.0), (35,) * 8, (35,) * 8),
    "labiovelar": ((1.0, 3.0, 3.0, 2.0, 3.0, 3.0, 0.3, 0.5), (30,) * 8, (30,) * 8),
    "labiopalatal": ((1.0, 3.0, 3.0, 2.0, 3.0, 3.0, 0.3, 0.5), (30,) * 8, (30,) * 8),
    # Rounded vowels anticipate protrusion over several phones: small theta before.
    "rounded_vowel": ((_V, _V, 1.5, 1.2, _V, _V, 0.5, _V),
                      (15, 15, 5.0, 6.0, 12, 12, 15, 12), (15, 15, 12, 12, 12, 12, 15, 12)),
    "spread_vowel": ((_V, _V, _V, 1.2, _V, _V, 0.5, _V),
                     (15, 15, 12, 10, 12, 12, 15, 12), (15, 15, 15, 12, 12, 12, 15, 12)),
    "open_vowel": ((1.2, _V, _V, _V, _V, _V, 0.5, _V), (15,) * 8, (15,) * 8),
    "central_vowel": ((_V, _V, _V, _V, 0.7, 0.7, 0.5, _V), (15,) * 8, (15,) * 8),
    "nasal_vowel": ((_V, _V, 1.2, _V, _V, _V, 0.5, _V),
                    (15, 15, 7.0, 12, 12, 12, 15, 12), (15,) * 8),
    "silence": ((0.6,) * 8, (4,) * 8, (4,) * 8),
}  # fmt: skip


def check_phones(labels: list[str]) -> None:
    """Raise ArtimapError naming any label that is not in PHONES."""
    unknown = sorted(set(labels) - set(PHONES))
    if unknown:
        raise ArtimapError(f"unknown phones {unknown}; valid phones: {sorted(PHONES)}")


def phone_arrays(labels: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Targets and dominance for a phone sequence.

    Returns targets, a, theta_before, theta_after, each (P, N_PARAMS) float64.
    """
    check_phones(labels)
    targets = np.array([TARGETS[p] for p in labels], dtype=np.float64)
    dom = [DOMINANCE[PHONES[p][0]] for p in labels]
    a = np.array([d[0] for d in dom], dtype=np.float64)
    before = np.array([d[1] for d in dom], dtype=np.float64)
    after = np.array([d[2] for d in dom], dtype=np.float64)
    return targets, a, before, after


def phone_classes() -> dict[str, str]:
    """phone -> class, for corpus.json."""
    return {p: c for p, (c, _) in PHONES.items()}
