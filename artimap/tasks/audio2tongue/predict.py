"""`artimap predict RUN --audio x.wav --out D`: tongue targets from new audio.

Target frames are placed at the run's target rate (its prepared data's `target_fps`) from
`--start` seconds (default 0; a TaL recording's ultrasound starts at its TimeInSecsOfFirstFrame,
about 1 s) to the end of the audio, and each is read at the mel frame of its time. Writes:
- DLC point targets: `<stem>.points.csv`, a DeepLabCut CSV (x, y per point, frame numbers);
- talker contours: `<stem>.contour.csv` (frame, time_s, point, x_mm, y_mm);
- image targets: `<stem>.mp4`, the predicted ultrasound at the target rate rounded to a
  whole number of frames per second;
and `<stem>.times.csv` (frame, time_s) for every kind.

`--audio -` (a causal run) reads live PCM from standard input instead and writes one CSV line
per target frame as it comes (`artimap.tasks.audio_live`): time_s, then x, y of every point
(contours: mm, 4 decimals; DLC points: pixels, 3 decimals) or every pixel (0..255) of an image.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from artimap.fsutil import atomic_write_text, check_prediction_out
from artimap.io.dlc import write_dlc_csv
from artimap.io.video import write_video
from artimap.tasks.audio_live import Formatter, add_audio_arguments, live_predict
from artimap.tasks.audio_run import load_run, predict_wav


def add_predict_arguments(p: argparse.ArgumentParser) -> None:
    """`artimap predict RUN_DIR` options of audio2tongue runs."""
    add_audio_arguments(p, "target")


def live_format(meta: dict) -> tuple[Formatter, list[str]]:
    """(cells of one output, column names) of the live CSV, as the offline files write them."""
    data = meta["data"]
    if meta["image"]:
        h, w = data["target_shape"]
        return (lambda y: [str(int(v)) for v in np.rint(y).astype(np.uint8).ravel()],
                [f"px_{r}_{c}" for r in range(h) for c in range(w)])
    if data["target_kind"] == "dlc":
        names = list(data["point_names"])
        return (lambda y: ["" if not np.isfinite(v) else f"{v:.3f}" for v in
                           np.asarray(y, np.float64).ravel()],
                [f"{n}_{a}" for n in names for a in "xy"])
    n = int(data["target_shape"][0])
    return (lambda y: [f"{v:.4f}" for v in y.ravel()],
            [f"p{j}_{a}_mm" for j in range(n) for a in "xy"])


def predict(run_dir: Path, args: argparse.Namespace) -> Path | None:
    """Predict tongue points, contours or ultrasound frames from a wav or live audio
    (module doc)."""
    if args.audio == "-":
        run = load_run(run_dir)
        return live_predict(run, args, *live_format(run.meta))
    out, wav = Path(args.out), Path(args.audio)
    check_prediction_out(out, wav.stem, args.overwrite)
    run = load_run(run_dir)
    data = run.meta["data"]
    times, pred = predict_wav(run, wav, args.start)  # (F,), (F, ...)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"{wav.stem}.times.csv", "frame,time_s\n" + "".join(
        f"{k},{t:.6f}\n" for k, t in enumerate(times)))
    if run.meta["image"]:
        # video containers take a whole rate (81.5 Hz has no small time base): the true
        # frame times are in times.csv
        write_video(out / f"{wav.stem}.mp4", np.rint(pred).astype(np.uint8),
                    float(round(data["target_fps"])))
    elif data["target_kind"] == "dlc":
        write_dlc_csv(out / f"{wav.stem}.points.csv", pred, list(data["point_names"]),
                      list(range(len(pred))))
    else:
        atomic_write_text(out / f"{wav.stem}.contour.csv", "frame,time_s,point,x_mm,y_mm\n"
                          + "".join(f"{k},{t:.6f},{j},{x:.4f},{y:.4f}\n"
                                    for k, (t, pts) in enumerate(zip(times, pred))
                                    for j, (x, y) in enumerate(pts)))
    return out
