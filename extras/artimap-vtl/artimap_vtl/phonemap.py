"""The explicit map from the talker's French phones (SAMPA) to VocalTractLab segments.

VocalTractLab's segment-to-gestural-score rules know a German-based SAMPA set and silently drop
any segment they do not know, so every phone goes through this table and an unmapped one is an
error. Where VTL has no segment for a French phone the nearest one stands in (the comment says
why); `APPROXIMATED` lists those phones, for the corpus description.
"""

from __future__ import annotations

from artimap.errors import ArtimapError
from artimap.synth.phones import PHONES

SILENCE = ""  # VTL's name for a pause segment

PHONE_MAP: dict[str, str] = {
    # consonants VTL knows under the same SAMPA name
    "p": "p", "b": "b", "m": "m", "f": "f", "v": "v", "t": "t", "d": "d", "n": "n",
    "s": "s", "z": "z", "l": "l", "S": "S", "Z": "Z", "k": "k", "g": "g", "R": "R", "j": "j",
    "J": "N",  # no palatal nasal: a dorsal nasal, whose closure VTL fronts before front vowels
    "w": "u",  # glides as short vowels of the same tongue and lip targets
    "H": "y",
    # oral vowels
    "i": "i", "e": "e", "E": "E", "y": "y", "2": "2", "9": "9", "u": "u", "o": "o",
    "O": "O", "a": "a", "@": "@",
    "A": "a",  # VTL has one open vowel
    # nasal vowels: VTL's rules have none; the oral vowel of the same tongue and lip shape
    # (the velum stays raised, so these tokens sound oral)
    "e~": "E", "a~": "a", "o~": "o", "9~": "9",
    "sil": SILENCE, "sp": SILENCE,
}  # fmt: skip

APPROXIMATED = ("J", "w", "H", "A", "e~", "a~", "o~", "9~")
VTL_VOWELS = frozenset(
    ["a", "e", "i", "o", "u", "E:", "2", "y", "I", "E", "O", "U", "9", "Y", "@", "6"])


def to_segments(phones: list[str]) -> list[str]:
    """VTL segment names for a phone sequence; ArtimapError naming any unmapped phone."""
    unknown = sorted({p for p in phones if p not in PHONE_MAP})
    if unknown:
        raise ArtimapError(
            f"phones {unknown} have no VocalTractLab segment in artimap_vtl.phonemap.PHONE_MAP "
            "(VTL would silently drop them); add them to the map or remove them from the input")
    return [PHONE_MAP[p] for p in phones]


def check_coverage() -> None:
    """ArtimapError if a phone of the talker's inventory is missing from PHONE_MAP."""
    to_segments(list(PHONES))
