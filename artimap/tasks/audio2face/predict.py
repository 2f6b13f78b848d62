"""`artimap predict RUN --audio x.wav --out D`: face markers from new audio.

Marker frames are placed at the run's marker rate from `--start` s (default 0) to the end of
the audio, each read at the mel frame of its time. Writes `<stem>.markers.csv`: one row per
frame, columns frame, time_s, then x, y, z (mm, head-stabilised as phone2face prepares them)
of every marker. `--audio -` (a causal run) reads live PCM from standard input instead and
writes one line per marker frame as it comes: time_s, then the same x, y, z columns
(`artimap.tasks.audio_live`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from artimap.fsutil import atomic_write_text, check_prediction_out
from artimap.tasks.audio_live import add_audio_arguments, live_predict
from artimap.tasks.audio_run import load_run, predict_wav


def add_predict_arguments(p: argparse.ArgumentParser) -> None:
    """`artimap predict RUN_DIR` options of audio2face runs."""
    add_audio_arguments(p, "marker")


def marker_cells(markers: np.ndarray) -> list[str]:
    """CSV cells of one frame's markers (M, 3) mm: x, y, z of each."""
    return [f"{v:.4f}" for v in markers.reshape(-1)]


def markers_csv(times: np.ndarray, markers: np.ndarray, names: list[str]) -> str:
    """CSV text of markers (F, M, 3) mm at `times` (F,) s (module doc)."""
    head = ["frame", "time_s", *(f"{n}_{a}" for n in names for a in "xyz")]
    rows = [",".join([str(k), f"{t:.6f}", *marker_cells(m)])
            for k, (t, m) in enumerate(zip(times, markers))]
    return "\n".join([",".join(head), *rows]) + "\n"


def predict(run_dir: Path, args: argparse.Namespace) -> Path | None:
    """Predict face marker trajectories from a wav or live audio (module doc)."""
    if args.audio == "-":
        run = load_run(run_dir)
        names = list(run.meta["data"]["markers"])
        return live_predict(run, args, marker_cells, [f"{n}_{a}" for n in names for a in "xyz"])
    out, wav = Path(args.out), Path(args.audio)
    check_prediction_out(out, wav.stem, args.overwrite)
    run = load_run(run_dir)
    data = run.meta["data"]
    times, pred = predict_wav(run, wav, args.start)  # (F,), (F, M, 3)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"{wav.stem}.markers.csv",
                      markers_csv(times, pred, list(data["markers"])))
    return out
