"""`artimap bench prepare_audio`: speed of the audio tasks' feature pass (wav -> 16 kHz mono ->
80-band log-mel), per worker and over the worker pool that `prepare audio2tongue` uses.

The wavs are written first: 48 kHz 16-bit PCM, every other one stereo (the channels differ), cut
from the TaL recording `tal/088_aud.wav` under the data root ($ARTIMAP_DATA, else `shared/data`)
tiled to length when it is there, else from a synthetic signal (noise plus gliding tones with a
syllable-rate envelope). The rows:

- `stage: per worker`: one thread, the files one after the other, the read + check + resample
  (`load_audio`) and the log-mel (`log_mel`) timed apart; speed is seconds of audio per CPU
  second ("x real time per CPU-second").
- `stage: feature pass`: `parallel_map` of the utterance step (`wav_features` and the mel saved
  as .npy, what a prepare worker does for the audio) with 1 and 2 workers, wall seconds
  including the workers' start, and the projected wall time of one hour of audio (the start,
  timed apart, paid once). Workers are spawned fresh interpreters: each imports torch, a few
  seconds of CPU that the hour pays once per worker.
"""

from __future__ import annotations

import os
import resource
import tempfile
from pathlib import Path

import numpy as np

from artimap.bench.timing import compare, time_once
from artimap.data.audio.features import wav_features
from artimap.data.audio.load import load_audio
from artimap.data.audio.mel import log_mel
from artimap.io.wav import read_wav, write_wav
from artimap.parallel import parallel_map, torch_threads
from artimap.ultrasound.contour_eval import default_data_root

RATE_IN = 48000  # Hz of the benchmark's wavs (the TaL corpus records at 48 kHz)
HOUR_S = 3600.0
GOAL_HOUR_S = 300.0  # an hour of audio prepared in minutes: at most 5 on 2 cores


def source_signal(seconds: float, seed: int = 0) -> tuple[np.ndarray, str]:
    """Mono float64 samples (S,) at 48 kHz in [-1, 1] and what they are: the TaL wav tiled,
    else the synthetic signal (module doc)."""
    n = int(round(seconds * RATE_IN))
    tal = default_data_root() / "tal" / "088_aud.wav"
    if tal.is_file():
        raw, rate = read_wav(tal)
        if rate == RATE_IN:
            x = raw.astype(np.float64) / 32768.0
            x = x.mean(1) if x.ndim == 2 else x  # (S,)
            return np.resize(x, n), "TaL 088_aud.wav, tiled"
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE_IN
    glide = 150.0 + 60.0 * np.sin(2 * np.pi * 0.7 * t)  # Hz, a pitch contour
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(glide) / RATE_IN) / k for k in range(1, 6))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4.0 * t))  # ~4 syllables a second
    x = 0.2 * envelope * voice + 0.02 * rng.standard_normal(n)
    return x / np.abs(x).max() * 0.8, "synthetic tones + noise"


def write_wavs(folder: Path, n_files: int, seconds: float) -> tuple[list[Path], str]:
    """`n_files` wavs of `seconds` each, cut from one long source; odd ones stereo."""
    x, what = source_signal(n_files * seconds)
    step = int(round(seconds * RATE_IN))
    paths = []
    for i in range(n_files):
        cut = x[i * step:(i + 1) * step]  # (S,)
        if i % 2:
            cut = np.stack([cut, 0.9 * np.roll(cut, 7)], axis=1)  # (S, 2)
        path = folder / f"u{i:03d}.wav"
        write_wav(path, (cut * 32767).astype(np.int16), RATE_IN)
        paths.append(path)
    return paths, what


def feature_step(path: Path) -> int:
    """What a prepare worker does for one wav's audio: log-mel, saved beside it; its frames."""
    mel, _ = wav_features(path)  # (T, M)
    np.save(path.with_suffix(".mel.npy"), mel)
    return len(mel)


def no_op(x: int) -> int:
    """A worker's job that does nothing: times the pool's start alone."""
    return x


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def per_worker(paths: list[Path], audio_s: float, rounds: int) -> dict:
    """Resample and log-mel timed apart on one thread (interleaved rounds over all files)."""
    loaded = [load_audio(p).samples for p in paths]
    with torch_threads(1):
        timed = compare({"resample": lambda: [load_audio(p) for p in paths],
                         "log_mel": lambda: [log_mel(x) for x in loaded]},
                        rounds=rounds, warmup=1)
    cpu = {k: timed[k].cpu_min_s for k in ("resample", "log_mel")}
    total = sum(cpu.values())
    return {"bench": "prepare_audio", "stage": "per worker", "threads": 1,
            "audio_s": round(audio_s, 1), "rounds": rounds,
            "resample_cpu_s": round(cpu["resample"], 4), "log_mel_cpu_s": round(cpu["log_mel"], 4),
            "resample_x_realtime_per_cpu_s": round(audio_s / cpu["resample"], 1),
            "log_mel_x_realtime_per_cpu_s": round(audio_s / cpu["log_mel"], 1),
            "x_realtime_per_cpu_s": round(audio_s / total, 1),
            "cpu_s_per_audio_hour": round(HOUR_S * total / audio_s, 1)}


def feature_pass(paths: list[Path], audio_s: float, workers: int) -> dict:
    """The pool's wall seconds over all files (workers spawned inside the timing). The
    projection for an hour adds the pool's start (timed apart, on no-op jobs) once to the
    hour's share of the rest, as a prepare of many files pays it once."""
    with torch_threads(1):
        start = time_once(lambda: parallel_map(no_op, range(workers), workers)).min_s \
            if workers > 1 else 0.0
        children0 = _children_cpu()
        t = time_once(lambda: parallel_map(feature_step, paths, workers, desc="audio"))
    cpu = t.cpu[0] + _children_cpu() - children0
    hour = start + HOUR_S * max(t.min_s - start, 0.0) / audio_s
    return {"bench": "prepare_audio", "stage": "feature pass", "workers": workers,
            "files": len(paths), "audio_s": round(audio_s, 1), "wall_s": round(t.min_s, 2),
            "cpu_s": round(cpu, 2), "pool_start_s": round(start, 2),
            "x_realtime_wall": round(audio_s / t.min_s, 1),
            "projected_hour_wall_s": round(hour, 1), "goal_hour_wall_s": GOAL_HOUR_S,
            "frames": int(sum(t.value))}


def bench_prepare_audio(args) -> list[dict]:
    """All measurements; `args.quick` (if present and true) makes them a few seconds of audio."""
    quick = bool(getattr(args, "quick", False))
    n_files, seconds = (4, 2.0) if quick else (24, 30.0)
    with tempfile.TemporaryDirectory(prefix="artimap-bench-audio-") as tmp:
        paths, what = write_wavs(Path(tmp), n_files, seconds)
        audio_s = n_files * seconds
        rows = [per_worker(paths, audio_s, 1 if quick else 3)]
        rows += [feature_pass(paths, audio_s, w) for w in (1, 2)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for row in rows:
        row.update(source=what, rate_in=RATE_IN, cores=cores,
                   load_1min=round(os.getloadavg()[0], 2))
    return rows
