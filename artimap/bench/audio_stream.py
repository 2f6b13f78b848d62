"""`artimap bench audio_stream`: causal streaming inference of audio2tongue on one CPU thread,
as x real time (seconds of audio per second of compute), against naive recomputation.

The model is the shipped causal row (`configs/audio2tongue/causal.yaml`: 80 mel bands, front
end of 128 channels over 5 frames, 2 x 128 unidirectional LSTM, lookahead 5) with random
weights (speed does not depend on them) and 28 outputs (14 points x 2, a TaL DLC export), at
the TaL target rate of 81.5 Hz. The audio is random noise at 16 kHz. Measured in one process,
candidates interleaved (`artimap.bench.timing.compare`), on 1 torch thread:

  - stream_<c>ms: `AudioStreamPredictor` fed chunks of c ms (numpy engine, the default):
    log-mel frames, front end, LSTM state and head, every output as soon as its audio is in;
  - torch_<c>ms: the same with the torch engine (the model's own layers per chunk);
  - naive: for every output, the causal model recomputed over the last W = 1 s of audio up to
    the audio it needs (log-mel of the window, front end, LSTM from a zero state, head): the
    cost of serving a live stream without a stepper.

x_realtime = audio seconds / median wall seconds (x_realtime_cpu: / median process CPU
seconds, less disturbed by other work on a loaded machine); speedup_vs_naive = a candidate's
x_realtime / naive's, from the same run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from artimap.bench.timing import compare
from artimap.data.audio.mel import HOP, RATE, WIN, frame_at, log_mel
from artimap.models.inversion import build
from artimap.parallel import torch_threads
from artimap.tasks.audio_stream import AudioStreamPredictor

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "audio2tongue" / "causal.yaml"
FPS = 81.5  # target frames per second (TaL ultrasound)
N_OUT = 28  # 14 DLC points x 2
WINDOW_S = 1.0  # naive: seconds of audio recomputed per output


def _model_and_meta() -> tuple[torch.nn.Module, dict[str, Any]]:
    """The shipped causal model (random weights) and a run's meta around it."""
    model_config = yaml.safe_load(CONFIG.read_text())["model_config"]
    torch.manual_seed(0)
    model = build({**model_config, "n_mels": 80, "n_out": N_OUT}).eval()
    meta = {"normalisation": {"mel": {"mean": [-6.0] * 80, "std": [3.0] * 80},
                              "target": {"mean": [0.0] * N_OUT, "std": [1.0] * N_OUT}},
            "data": {"target_shape": [N_OUT // 2, 2], "target_fps": FPS}, "image": False}
    return model, meta


def _streamer(model, meta, audio: np.ndarray, chunk_ms: int, engine: str):
    """A function streaming `audio` through a fresh predictor in chunks of `chunk_ms`."""
    chunk = RATE * chunk_ms // 1000
    predictor = AudioStreamPredictor(model, meta, engine=engine)

    def run() -> int:
        n = sum(len(predictor.push(audio[i: i + chunk])) for i in range(0, len(audio), chunk))
        return n + len(predictor.finish())

    return run


def _naive(model, meta, audio: np.ndarray):
    """Per output: log-mel + model over the last WINDOW_S s of the audio it needs."""
    look = model.config.lookahead
    mean = torch.tensor(meta["normalisation"]["mel"]["mean"])
    std = torch.tensor(meta["normalisation"]["mel"]["std"])
    times = np.arange(int(len(audio) / RATE * FPS)) / FPS
    window = int(WINDOW_S * RATE) // HOP  # frames

    @torch.inference_mode()
    def run() -> int:
        for t in times:
            own = int(frame_at(t))  # the model reads it at own + lookahead
            end = min((own + look) * HOP + WIN // 2, len(audio))  # the samples it needs
            first = max(0, own + look - window)  # the window's first mel frame
            mel = (torch.from_numpy(log_mel(audio[first * HOP:end])) - mean) / std  # (T, M)
            model(mel[None], torch.tensor([[own - first]]))
        return len(times)

    return run


def _row(name: str, seconds: float, timing, base=None) -> dict[str, Any]:
    row = {"candidate": name, "audio_s": seconds,
           "x_realtime": seconds / timing.median_s, "x_realtime_cpu": seconds / timing.cpu_median_s,
           "ms_per_audio_s": 1e3 * timing.median_s / seconds}
    if base is not None:
        row["speedup_vs_naive"] = row["x_realtime"] / base["x_realtime"]
    return row


def bench_audio_stream(args: Any) -> list[dict[str, Any]]:
    """Run the benchmark (module doc); `args.quick` shrinks it. One dict per candidate."""
    quick = bool(getattr(args, "quick", False))
    seconds, naive_s, rounds = (2.0, 0.5, 2) if quick else (20.0, 3.0, 5)
    chunks = (10, 40) if quick else (10, 20, 40, 100)
    audio = (np.random.default_rng(0).standard_normal(int(seconds * RATE)) * 0.1
             ).astype(np.float32)
    load_before = os.getloadavg()[0]
    with torch_threads(1):
        model, meta = _model_and_meta()
        fns = {f"stream_{c}ms": _streamer(model, meta, audio, c, "numpy") for c in chunks}
        fns.update({f"torch_{c}ms": _streamer(model, meta, audio, c, "torch")
                    for c in (10, 40)})
        fns["naive"] = _naive(model, meta, audio[: int(naive_s * RATE)])
        timed = compare(fns, rounds=rounds, warmup=1)
    base = _row("naive", naive_s, timed["naive"])
    rows = [{"bench": "audio_stream", "threads": 1, "window_s": WINDOW_S, **base}]
    rows += [{"bench": "audio_stream", "threads": 1, **_row(k, seconds, timed[k], base)}
             for k in fns if k != "naive"]
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return [{**r, "load_avg_1min": load} | {k: round(v, 2) for k, v in r.items()
                                            if isinstance(v, float)} for r in rows]
