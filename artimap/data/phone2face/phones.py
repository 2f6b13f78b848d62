"""Phone inventory and frame-wise phone ids.

The inventory is the corpus's declared phone set, normalised, plus the silence symbol: the
talker's corpus.json phones, a `--phone-set` file, or else every phone in every alignment of the
corpus (all splits, so that a phone seen only in a test utterance is still encoded). Phones with
few training frames are reported by `rare_phones`. It is stored with the prepared dataset as
phones.json together with the label normalisation that produced it, so that inference
normalises and encodes new alignments the same way. A phone outside the inventory is an error
naming it, unless a fallback phone (itself in the inventory) is declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError
from artimap.io.alignment import Alignment, is_silence, normalise_labels, strip_stress
from artimap.io.text import read_text

# Visual-speech phone classes when the corpus declares none (talker corpora do): lowercase
# SAMPA/IPA-like and ARPAbet spellings (after stress stripping).
DEFAULT_CLASSES: dict[str, tuple[str, ...]] = {
    "bilabial": ("p", "b", "m", "P", "B", "M"),
    "rounded_vowel": ("u", "o", "O", "y", "2", "9", "UW", "OW", "AO", "UH", "OY"),
}


@dataclass
class PhoneSet:
    """P phones (sorted) and the label normalisation that produced them."""

    phones: list[str]
    strip_stress: bool = False      # 'AH0' -> 'AH'
    silence: str | None = "sil"     # symbol every silence spelling maps to (None keeps them)
    fallback: str | None = None     # phone used for unknown labels (None: unknown is an error)

    def __len__(self) -> int:
        return len(self.phones)

    def normalise(self, alignment: Alignment) -> Alignment:
        """The alignment with this set's label normalisation applied."""
        return normalise_labels(alignment, self.strip_stress, self.silence)

    def frame_ids(self, alignment: Alignment, fps: float, n_frames: int) -> np.ndarray:
        """Phone id (F,) int16 of each frame k at time k / fps (silence outside the intervals)."""
        labels = self.normalise(alignment).frame_labels(fps, n_frames, default=self.silence or "")
        return encode_phones(labels, self.phones, self.fallback, source=alignment.source)


def frame_labels(
    alignment: Alignment, fps: float, n_frames: int, strip_stress: bool, silence: str | None
) -> list[str]:
    """Normalised label of each of F frames at t = k / fps; silence where no interval is."""
    ali = normalise_labels(alignment, strip_stress, silence)
    return ali.frame_labels(fps, n_frames, default=silence or "")


def normalise_label(label: str, strip: bool, silence: str | None) -> str:
    """One label normalised the way `PhoneSet.normalise` treats alignment labels."""
    label = label.strip()
    if silence is not None and is_silence(label):
        return silence
    return strip_stress(label) if strip else label


def read_phone_list(path: str | Path) -> list[str]:
    """Phones of a --phone-set file: whitespace-separated labels, '#' starts a comment."""
    text = read_text(path, "phone set (--phone-set)")
    phones = [w for line in text.splitlines() for w in line.split("#", 1)[0].split()]
    if not phones:
        raise ArtimapError(f"{path}: the phone set lists no phone; write one label per line")
    return phones


def phone_classes(inventory: Sequence[str], declared: dict[str, str] | None) -> dict[str, list]:
    """{class: phones of the inventory in it} for the visual-speech metrics: the corpus's
    declared classes (talker corpus.json: phone -> class) or DEFAULT_CLASSES."""
    if declared:
        groups: dict[str, list[str]] = {}
        for ph, cls in declared.items():
            if ph in inventory:
                groups.setdefault(cls, []).append(ph)
        return {k: sorted(groups.get(k, [])) for k in DEFAULT_CLASSES}
    return {k: [p for p in inventory if p in v] for k, v in DEFAULT_CLASSES.items()}


def rare_phones(inventory: Sequence[str], train_ids: Iterable[np.ndarray],
                min_frames: int) -> dict[str, int]:
    """{phone: training frames} of the inventory's phones with fewer than `min_frames`."""
    counts = np.zeros(len(inventory), dtype=np.int64)
    for ids in train_ids:
        counts += np.bincount(np.asarray(ids, dtype=np.int64), minlength=len(inventory))
    return {p: int(c) for p, c in zip(inventory, counts) if c < min_frames}


def build_inventory(label_lists: Iterable[Iterable[str]], silence: str | None = "sil") -> list[str]:
    """Sorted unique labels over all lists (P,), always including the silence symbol."""
    found: set[str] = set()
    for labels in label_lists:
        found.update(labels)
    if silence is not None:
        found.add(silence)
    return sorted(found)


def encode_phones(
    labels: Sequence[str],
    inventory: Sequence[str],
    fallback: str | None = None,
    source: str = "",
) -> np.ndarray:
    """Labels (T,) -> ids (T,) int16 into `inventory` (P).

    Unknown labels map to `fallback` when given, else raise ArtimapError naming them.
    """
    index = {p: i for i, p in enumerate(inventory)}
    if fallback is not None and fallback not in index:
        raise ArtimapError(f"fallback phone {fallback!r} is not in the inventory {list(inventory)}"
                           "; pass --phone-fallback with one of these")
    unknown = sorted({lab for lab in labels if lab not in index})
    if unknown and fallback is None:
        where = f"{source}: " if source else ""
        raise ArtimapError(
            f"{where}phones {unknown} are not in the inventory of {len(inventory)} phones "
            f"{list(inventory)}. Use a model prepared with these phones, normalise the labels "
            "the same way, or pass --phone-fallback PHONE (e.g. sil) to map them to one"
        )
    fb = index.get(fallback, -1)
    return np.array([index.get(lab, fb) for lab in labels], dtype=np.int16)
