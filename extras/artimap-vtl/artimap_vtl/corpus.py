"""Talker B's corpus: per-utterance cache, shards and the all-or-nothing merge.

Every utterance is made once into the cache, keyed by (preset, seed, utterance):

    CACHE/<preset>-seed<S>[-oracle][-noaudio]/<utt>/s01/<utt>.{TextGrid,mp4,...}  + entry.json

each written to a temporary folder and renamed when complete, so a killed run leaves only
whole utterances and a rerun resumes where it stopped. `shard=(K, N)` makes every N-th
utterance starting at the K-th and stops there (one task of a cluster's job array); a run
without a shard makes whatever is missing and then merges: it links (or copies) the cached
files into a temporary corpus folder, writes `corpus.json` and renames the folder to `out`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import vocaltractlab_cython as vtl

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_dir, atomic_path, atomic_write_json, atomic_write_text
from artimap.parallel import parallel_map
from artimap.synth.coartic import sample_times
from artimap.synth.presets import ARTIC_FPS, Preset, get_preset
from artimap.synth.speaker import utterance_id
from artimap.synth.writer import corpus_meta, write_utterance
from artimap_vtl import __version__
from artimap_vtl.articulators import artic_from_tract, resample_states
from artimap_vtl.phonemap import APPROXIMATED, PHONE_MAP, check_coverage
from artimap_vtl.score import JITTER_SD, JITTERED, STATE_RATE, TRACT_PARAMS
from artimap_vtl.tongue import EMA_SENSORS
from artimap_vtl.utterance import VtlUtterance, synthesize_vtl

ENGINE = "vtl"
# extra truth files of an utterance: kind -> suffix
EXTRA_SUFFIXES = {"tract": ".tract.npy", "tract_oracle": ".tract_oracle.npy", "gestures": ".ges",
                  "ema": ".ema.npy", "oracle_artic": ".oracle_artic.npy"}
Job = tuple[int, int, int, Preset, str, bool, bool]  # speaker, index, seed, preset, key dir,
#                                                       audio, jitter


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array)


def _write_extra(v: VtlUtterance, root: Path) -> dict[str, str]:
    """Write VTL's own truth beside the utterance; kind -> path relative to root."""
    files = {k: f"{v.utt.speaker.id}/{v.utt.id}{s}" for k, s in EXTRA_SUFFIXES.items()}
    _save_npy(root / files["tract"], v.tract.astype(np.float32))
    _save_npy(root / files["tract_oracle"], v.score.tract.astype(np.float32))
    atomic_write_text(root / files["gestures"], v.score.gestures)
    _save_npy(root / files["ema"], v.ema)
    oracle = artic_from_tract(resample_states(  # (T, 8) at ARTIC_FPS, like <utt>.artic.npy
        v.score.tract, STATE_RATE, sample_times(v.utt.script.duration, ARTIC_FPS)))
    _save_npy(root / files["oracle_artic"], oracle.astype(np.float32))
    return files


def _made_by() -> dict:
    return {"generator": f"artimap-vtl {__version__}", "vocaltractlab": vtl.get_version()}


def cached_entry(job: Job) -> dict | None:
    """The corpus.json entry of a job's utterance if the cache holds it, made by this version
    of artimap-vtl and VocalTractLab (another version's is made again); else None."""
    speaker, index, *_ = job
    path = Path(job[4]) / utterance_id(speaker, index) / "entry.json"
    if not path.is_file():
        return None
    entry = json.loads(path.read_text())
    return entry if entry.pop("made_by", None) == _made_by() else None


def make_one(job: Job) -> dict:
    """The corpus.json entry of one utterance, made into the cache unless already there."""
    cached = cached_entry(job)
    if cached is not None:
        return cached
    speaker, index, seed, preset, key_dir, audio, jitter = job
    v = synthesize_vtl(speaker, index, seed, preset, audio=audio, jitter=jitter)
    with atomic_dir(Path(key_dir) / v.utt.id, overwrite=True, marker="entry.json") as tmp:
        entry = write_utterance(v.utt, tmp)
        entry["files"].update(_write_extra(v, tmp))
        atomic_write_json(tmp / "entry.json", {**entry, "made_by": _made_by()})
    return entry


def key_dir(cache: Path, preset: Preset, seed: int, audio: bool, jitter: bool) -> Path:
    """The cache folder of (preset, seed) and the options that change an utterance's bytes."""
    tags = "" if jitter else "-oracle"
    tags += "" if audio else "-noaudio"
    return cache / f"{preset.name}-seed{seed}{tags}"


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: copy instead
        shutil.copy2(src, dst)


def _merge(out: Path, overwrite: bool, folders: list[Path], meta: dict) -> None:
    """Assemble the cached utterances and corpus.json into `out`, all or nothing."""
    with atomic_dir(out, overwrite=overwrite, marker="corpus.json") as tmp:
        for folder in folders:
            for src in folder.rglob("*"):
                if src.is_file() and src.name != "entry.json":
                    dst = tmp / src.relative_to(folder)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    _link_or_copy(src, dst)
        atomic_write_json(tmp / "corpus.json", meta)


def engine_meta(audio: bool, jitter: bool) -> dict:
    """What corpus.json says about talker B (under the key 'vtl')."""
    return {
        "package": f"artimap-vtl {__version__}", "vocaltractlab": vtl.get_version(),
        "speaker_file": "JD3.speaker (vocaltractlab-cython's bundled speaker)",
        "phone_map": PHONE_MAP, "approximated_phones": list(APPROXIMATED),
        "tract_params": list(TRACT_PARAMS), "tract_rate": STATE_RATE,
        "jitter": {"params": list(JITTERED), "sd_of_range": JITTER_SD if jitter else 0.0},
        "audio": "VocalTractLab synthesis, 44.1 kHz resampled" if audio else "silence",
        "truth": "<utt>.tract.npy (T, 19) float32 as rendered; <utt>.tract_oracle.npy without "
                 "jitter; <utt>.ges VTL's gestural score; <utt>.ema.npy (U, 4, 2) float32 mm "
                 "EMA-like tongue sensors at the ultrasound frames; artic.npy = artimap's 8 "
                 "parameters read off the tract (artimap_vtl.articulators); "
                 "<utt>.oracle_artic.npy the same read off the oracle tract",
        "ema_sensors": list(EMA_SENSORS),
        "ema_axes": "mm from the probe origin, x forward (towards the lips), y up",
    }  # fmt: skip


def generate(out: str | Path, *, preset: str = "tiny", seed: int = 0, speakers: int | None = None,
             utterances: int | None = None, workers: int = 1, overwrite: bool = False,
             progress: bool = True, shard: tuple[int, int] | None = None,
             cache: str | Path | None = None, audio: bool = True,
             jitter: bool = True) -> dict | None:
    """Write talker B's corpus to `out` and return its corpus.json (None for a shard run).

    The `artimap.engines` entry point `vtl` (`artimap synth --engine vtl`); the module doc
    explains the cache, shards and merge. `audio=False` writes silent .wav files (fast);
    `jitter=False` renders the oracle trajectories. The progress bar (artimap.parallel's) shows
    when stderr is a terminal, whatever `progress` says.
    """
    check_coverage()
    cfg = get_preset(preset, speakers, utterances)
    out = Path(out)
    if shard is None and out.exists() and not overwrite:
        raise ArtimapError(f"{out}: already exists; remove it or pass --overwrite")
    root = Path(cache) if cache is not None else out.with_name(out.name + ".cache")
    kdir = key_dir(root, cfg, int(seed), audio, jitter)
    kdir.mkdir(parents=True, exist_ok=True)
    jobs: list[Job] = [(s, u, int(seed), cfg, str(kdir), audio, jitter)
                       for s in range(1, cfg.speakers + 1) for u in range(1, cfg.utterances + 1)]
    if shard is not None:
        jobs = jobs[shard[0] - 1 :: shard[1]]
    desc = f"synth vtl {cfg.name}" + (f" shard {shard[0]}/{shard[1]}" if shard else "")
    todo = [job for job in jobs if cached_entry(job) is None]  # no workers for cached ones
    parallel_map(make_one, todo, workers, desc=desc)
    if shard is not None:
        return None
    entries = [make_one(job) for job in jobs]  # all cached now
    meta = corpus_meta(cfg, int(seed), entries)
    meta.update(engine=ENGINE, generator=f"artimap-vtl {__version__}", oracle_artic=True,
                vtl=engine_meta(audio, jitter))
    _merge(out, overwrite, [kdir / e["id"] for e in entries], meta)
    return meta

