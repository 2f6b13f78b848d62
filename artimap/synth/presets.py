"""Corpus size presets of the virtual talker, the fixed rates and sizes of its streams, and
the names of its coarticulation rules (`coartic.py`; kept here, free of numpy, for the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from artimap.errors import ArtimapError

VIDEO_FPS = 60.0
VIDEO_SIZE = (240, 320)  # (H, W), like TaL's lip camera
MARKERS_FPS = 120.0
ARTIC_FPS = 1000.0  # internal rendering rate; `.artic.npy` is stored at this rate
AUDIO_RATE = 16000
ULT_DEPTH_MM = 80.0  # depth covered by one scanline, like TaL
ULT_START_MM = 20.0  # probe origin to first sample (ZeroOffset), like TaL
ULT_FAN = 1.6  # radians covered by all scanlines (TaL: 64 x 0.025)
COARTICULATIONS = ("dominance", "gaussian", "tracking")  # the first is the default


@dataclass(frozen=True)
class Preset:
    """How much to generate and at what ultrasound size."""

    name: str
    speakers: int  # number of speakers
    utterances: int  # utterances per speaker
    speech_s: tuple[float, float]  # range of the spoken part of a sentence, seconds
    ult_vectors: int  # NumVectors (scanlines per frame)
    ult_samples: int  # PixPerVector (echo samples per scanline)
    contour_points: int = 32  # K points of the true tongue contour per ultrasound frame

    @property
    def ult_angle(self) -> float:
        """Angle between scanlines, radians."""
        return ULT_FAN / self.ult_vectors

    @property
    def pixels_per_mm(self) -> float:
        """Echo samples per mm along a scanline."""
        return self.ult_samples / ULT_DEPTH_MM

    @property
    def zero_offset(self) -> int:
        """Samples between the probe origin and the first sample."""
        return int(round(ULT_START_MM * self.pixels_per_mm))


# tiny: seconds to make (tests). demo: ~2.5 min of recordings. paper: ~4 h of recordings, the
# size of the phone->face paper's corpus, with TaL's full scanline size (about 60 GB on disk).
PRESETS: dict[str, Preset] = {
    "tiny": Preset("tiny", speakers=1, utterances=4, speech_s=(0.8, 1.4),
                   ult_vectors=32, ult_samples=128, contour_points=24),
    "demo": Preset("demo", speakers=1, utterances=40, speech_s=(1.0, 4.0),
                   ult_vectors=64, ult_samples=256),
    "paper": Preset("paper", speakers=1, utterances=3200, speech_s=(1.0, 5.0),
                    ult_vectors=64, ult_samples=842),
}  # fmt: skip


def get_preset(name: str, speakers: int | None = None, utterances: int | None = None) -> Preset:
    """The preset `name`, with counts overridden where given (must be >= 1)."""
    if name not in PRESETS:
        raise ArtimapError(f"unknown preset {name!r}; valid presets: {sorted(PRESETS)}")
    preset = PRESETS[name]
    for key, value in (("speakers", speakers), ("utterances", utterances)):
        if value is not None and value < 1:
            raise ArtimapError(f"--{key} must be at least 1, got {value}")
    return replace(
        preset,
        speakers=preset.speakers if speakers is None else int(speakers),
        utterances=preset.utterances if utterances is None else int(utterances),
    )
