"""Pipeline steps around the per-utterance work: mouth boxes per speaker, final arrays.

Automatic boxes are chosen per speaker (and frame size), from the summed motion energy of up to
ROI_MAX_UTTERANCES of that speaker's utterances spread over the corpus, so that every utterance
of a speaker is cropped the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.data.lip2tongue.roi import Box, box_for, maps_box, mouth_maps
from artimap.data.lip2tongue.sources import Utterance
from artimap.data.lip2tongue.streams import load_lips
from artimap.errors import ArtimapError
from artimap.parallel import parallel_map

ROI_MAX_UTTERANCES = 12


@dataclass(frozen=True)
class EnergyJob:
    """Motion energy and darkness maps of one utterance's lip video, for the automatic box."""

    utt: Utterance
    frames_fps: float
    skip_bad: bool


def _energy(job: EnergyJob) -> tuple[str, np.ndarray | None, tuple[int, int] | None, str]:
    """(id, energy (H', W') or None, frame (H, W), error message or '')."""
    try:
        frames, _, fps = load_lips(job.utt, job.frames_fps)
        return job.utt.id, mouth_maps(frames, fps), frames.shape[1:3], ""
    except ArtimapError as e:
        if not job.skip_bad:
            raise ArtimapError(f"utterance {job.utt.id}: {e}") from None
        return job.utt.id, None, None, str(e)


def _spread(items: list, n: int) -> list:
    if len(items) <= n:
        return items
    return [items[i] for i in np.linspace(0, len(items) - 1, n).round().astype(int)]


def speaker_boxes(utts: list[Utterance], spec, frames_fps: float, workers: int,
                  skip_bad: bool) -> tuple[dict[str, Box], dict[str, str]]:
    """Mouth box per utterance id, and {id: error} of videos that could not be read.

    `spec` is 'auto', a Box, or {speaker: Box} (see `parse_roi_spec`). Utterances of a speaker
    not among the sampled ones get the box of their speaker's most common frame size.
    """
    if spec != "auto":
        return {u.id: box_for(spec, u.speaker) for u in utts}, {}
    by_speaker: dict[str, list[Utterance]] = defaultdict(list)
    for u in utts:
        by_speaker[u.speaker].append(u)
    jobs = [EnergyJob(u, frames_fps, skip_bad)
            for group in by_speaker.values() for u in _spread(group, ROI_MAX_UTTERANCES)]
    results = parallel_map(_energy, jobs, workers, desc="mouth ROI")
    bad = {uid: err for uid, _, _, err in results if err}
    sums: dict[tuple[str, tuple[int, int]], np.ndarray] = {}
    counts: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    speaker_of = {u.id: u.speaker for u in utts}
    for uid, energy, hw, _ in results:
        if energy is not None:
            key = (speaker_of[uid], hw)
            sums[key] = sums.get(key, 0) + energy
            counts[key] += 1
    best: dict[str, Box] = {}
    for key in sorted(sums, key=lambda k: -counts[k]):
        best.setdefault(key[0], maps_box(sums[key], key[1]))
    out = {u.id: best[u.speaker] for u in utts if u.speaker in best and u.id not in bad}
    return out, bad


def concatenate_parts(parts: Path, folder: Path, entries: list[dict],
                      names: tuple[str, ...]) -> dict[str, dict]:
    """Join the per-utterance part files of the arrays `names` into folder/<name>.npy in
    `entries` order.

    Each entry needs "index" (the part number) and "n_frames"; sets entry["offset"], the first
    row of the utterance in every array. Arrays are written through a memory map, one part at a
    time. Returns the manifest's array entries (file, shape, dtype).
    """
    offset = 0
    for e in entries:
        e["offset"] = offset
        offset += e["n_frames"]
    arrays = {}
    for name in names:
        first = np.load(parts / f"{entries[0]['index']:06d}.{name}.npy", mmap_mode="r")
        shape = (offset, *first.shape[1:])
        out = np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+", dtype=first.dtype,
                                        shape=shape)
        for e in entries:
            path = parts / f"{e['index']:06d}.{name}.npy"
            part = np.load(path, mmap_mode="r")
            if part.shape[1:] != shape[1:] or part.dtype != first.dtype:
                raise ArtimapError(
                    f"utterance {e['id']}: {name} of shape {part.shape[1:]} {part.dtype} does "
                    f"not match the first utterance's {shape[1:]} {first.dtype}. All "
                    "utterances need the same number of points / the same settings")
            out[e["offset"]:e["offset"] + e["n_frames"]] = part
            del part
            path.unlink()
        out.flush()
        del out
        arrays[name] = {"file": f"{name}.npy", "shape": list(shape), "dtype": str(first.dtype)}
    return arrays
