"""A prepared phone2face dataset + its corpus's wavs -> a prepared audio2face dataset.

    artimap prepare audio2face --from P2F_PREPARED --out DIR [--corpus DIR] [--workers W]
        [--skip-bad] [--overwrite]

The markers are taken as phone2face prepared them: (F, M, 3) mm, frame k at k / rate s after
the start of the motion file, which starts with the audio (the virtual talker's clock; real
captures are expected to be trimmed to the audio). Markers the phone2face mask marks missing
are NaN (left out by the loss and the metrics). Each utterance's wav is the motion file's stem
with `.wav`, under `--corpus` (default: the corpus phone2face was prepared from). The split is
phone2face's. Writes manifest.json, split.json, stats.json, targets.npy (F, M, 3) float32,
mel_frame.npy, times.npy and the log-mel stream mel.npy (`artimap.data.audio.stream`).
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.data.audio.features import check_covers, wav_features
from artimap.data.audio.mel import HOP, N_MELS, RATE, frame_at
from artimap.data.audio.parts import concatenate_parts
from artimap.data.audio.stream import mel_stats, target_stats
from artimap.data.common import prepared_dir, write_manifest, write_stats
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError, file_error
from artimap.parallel import parallel_map

TASK = "audio2face"
ARRAYS = ("targets", "mel_frame", "times")
MARKER_KEYS = ("markers", "lip_markers", "upper_lip_centre", "lower_lip_centre", "rate")


@dataclass(frozen=True)
class Job:
    """One utterance: its markers (F, M, 3) mm with NaN where missing, and its wav."""

    index: int
    id: str
    speaker: str
    wav: Path
    markers: np.ndarray
    rate: float
    parts: Path
    skip_bad: bool


def run_job(job: Job) -> dict:
    """Log-mel and the mel frame of every marker frame; parts written, entry returned."""
    try:
        if not job.wav.is_file():
            raise file_error(job.wav, "audio file not found", "Pass --corpus, the folder "
                             "holding the phone2face corpus with its wavs")
        mel, audio = wav_features(job.wav)
        times = np.arange(len(job.markers), dtype=np.float64) / job.rate
        check_covers(job.wav, audio.duration_s, times, f"the {job.id} markers")
        frames = np.clip(frame_at(times), 0, len(mel) - 1)
        for name, array in (("targets", job.markers), ("mel_frame", frames), ("times", times),
                            ("mel", mel)):
            np.save(job.parts / f"{job.index:06d}.{name}.npy", array)
    except ArtimapError as e:
        if not job.skip_bad:
            raise ArtimapError(f"utterance {job.id}: {e}") from None
        return {"id": job.id, "error": str(e)}
    return {"id": job.id, "speaker": job.speaker, "n_frames": len(times), "n_mel": len(mel),
            "audio": audio.record(), "files": {"audio": str(job.wav)}, "index": job.index}


def _jobs(source: Prepared, corpus: Path, parts: Path, skip_bad: bool) -> list[Job]:
    markers, mask = source.array("markers"), source.array("mask")
    rate = float(source.manifest["rate"])
    jobs = []
    for i, e in enumerate(source.entries):
        motion = e.raw.get("sources", {}).get("motion")
        if motion is None:
            raise ArtimapError(f"{source.folder}: utterance {e.id} names no motion file; "
                               "prepare it again with `artimap prepare phone2face`")
        pts = np.array(markers[e.rows], np.float32)  # (F, M, 3) mm
        pts[~np.asarray(mask[e.rows])] = np.nan
        jobs.append(Job(i, e.id, e.speaker, (corpus / motion).with_suffix(".wav"), pts, rate,
                        parts, skip_bad))
    return jobs


def prepare(source: str | Path, out: str | Path, corpus: str | Path | None = None, *,
            workers: int = 1, skip_bad: bool = False, overwrite: bool = False) -> dict:
    """Prepare audio2face from the phone2face dataset in `source` (module doc)."""
    p2f = Prepared.open(source, "phone2face")
    corpus = Path(corpus or p2f.manifest.get("corpus", "")).resolve()
    if Path(out).exists() and not overwrite:
        raise ArtimapError(f"{out}: already exists; remove it or pass --overwrite")
    with prepared_dir(out, overwrite) as tmp:
        parts = tmp / "parts"
        parts.mkdir()
        results = parallel_map(run_job, _jobs(p2f, corpus, parts, skip_bad), workers, desc=TASK)
        skipped = {r["id"]: r["error"] for r in results if "error" in r}
        for uid, err in skipped.items():
            warnings.warn(f"skipped utterance {uid}: {err}", stacklevel=2)
        entries = [r for r in results if "error" not in r]
        if not entries:
            raise ArtimapError(f"all {len(results)} utterances are bad; nothing to prepare")
        arrays, streams = concatenate_parts(parts, tmp, entries, ARRAYS)
        shutil.rmtree(parts)
        for e in entries:
            e.pop("index")
        manifest = {"task": TASK, "version": 1, "corpus": str(corpus),
                    "source": {"path": str(Path(source).resolve()),
                               "fingerprint": p2f.fingerprint},
                    "settings": {"target": "markers", "n_mels": N_MELS, "hop_s": HOP / RATE,
                                 "rate": RATE},
                    **{k: p2f.manifest.get(k) for k in MARKER_KEYS},
                    "target_fps": float(p2f.manifest["rate"]), "target_units": "mm",
                    "n_frames": sum(e["n_frames"] for e in entries), "arrays": arrays,
                    "streams": streams, "utterances": entries,
                    "skipped": [{"id": k, "error": v} for k, v in skipped.items()]}
        kept = {e["id"] for e in entries}
        split = {k: [i for i in v if i in kept] for k, v in p2f.splits.items()}
        write_manifest(tmp, manifest, split)
        prepared = Prepared.open(tmp, TASK)
        write_stats(tmp, {"mel": mel_stats(prepared), "target": target_stats(prepared)})
    return manifest
