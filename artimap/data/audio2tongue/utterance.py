"""Prepare one audio2tongue utterance: log-mel of its wav, its target stream at its own frame
times, and per target frame the mel frame at the same time. Workers run `run_job`; each writes
its arrays as `<index>.<name>.npy` in the parts folder and returns a small manifest entry."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from artimap.data.audio.features import wav_features
from artimap.data.audio.mel import HOP, N_MELS, RATE, frame_at
from artimap.data.audio2tongue.sources import AudioUtterance
from artimap.data.audio2tongue.targets import check_covered, read_target, render
from artimap.errors import ArtimapError

ARRAYS = ("targets", "mel_frame", "times")  # target-rate arrays; "mel" is the stream
STREAMS = ("mel",)


@dataclass(frozen=True)
class Settings:
    """What `artimap prepare audio2tongue` was asked to do (stored in the manifest)."""

    target: str = "points"  # "points", "contour" or "image"
    target_size: tuple[int, int] = (64, 64)  # (H_t, W_t) of image targets
    ultrasound: str = "raw"  # image targets: "raw" scanlines or "fan"
    n_mels: int = N_MELS  # log-mel bands
    hop_s: float = HOP / RATE  # s between mel frames
    rate: int = RATE  # Hz the audio is resampled to

    def to_dict(self) -> dict:
        d = asdict(self)
        d["target_size"] = list(self.target_size)
        return d


@dataclass(frozen=True)
class Job:
    """One utterance to prepare."""

    index: int  # position in the corpus (names the part files)
    utt: AudioUtterance
    parts: Path
    settings: Settings
    skip_bad: bool = False


def prepare_utterance(job: Job) -> dict:
    """Prepare `job.utt`, write its parts, return its manifest entry (without offsets)."""
    utt, s = job.utt, job.settings
    mel, audio = wav_features(utt.wav)  # (T, M)
    target = read_target(utt)
    check_covered(utt.wav, audio.duration_s, target)
    frames = np.clip(frame_at(target.times), 0, len(mel) - 1)  # (F,)
    arrays = {"targets": render(target, s.target_size, s.ultrasound), "mel_frame": frames,
              "times": target.times.astype(np.float64), "mel": mel}
    for name, array in arrays.items():
        np.save(job.parts / f"{job.index:06d}.{name}.npy", array)
    rate = (len(target.times) - 1) / (target.times[-1] - target.times[0]) \
        if len(target.times) > 1 else 0.0
    entry = {"id": utt.id, "speaker": utt.speaker, "n_frames": len(target.times),
             "n_mel": len(mel), "target_fps": round(float(rate), 6),
             "span_s": [round(float(target.times[0]), 6), round(float(target.times[-1]), 6)],
             "audio": audio.record(), "files": utt.files(), "target_kind": target.kind}
    if target.point_names:
        entry["point_names"] = target.point_names
    return entry


def run_job(job: Job) -> dict:
    """`prepare_utterance` for a worker: errors name the utterance; with `skip_bad` they are
    returned as {"id", "error"} instead of raised."""
    try:
        return prepare_utterance(job)
    except ArtimapError as e:
        if not job.skip_bad:
            raise ArtimapError(f"utterance {job.utt.id}: {e}") from None
        return {"id": job.utt.id, "error": str(e)}
