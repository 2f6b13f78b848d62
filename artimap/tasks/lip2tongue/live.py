"""Live lip streams: `artimap predict RUN_DIR --camera INDEX` and `--video -` (frames on
standard input), e.g.

    ffmpeg -i rtsp://... -f yuv4mpegpipe - | artimap predict RUN --video - --out live/
    grabber | artimap predict RUN --video - --size 640x480 --fps 60 --pixel-format gray --out o

A reader thread takes frames from the source, puts them on the training clock and into a
bounded queue (`livefeed`); the predictor (this thread) takes the freshest frame, runs the same
per-frame step as the file path (`stepper.FramePredictor`) and, with --show, draws lips |
prediction in a window (q quits). When the model falls behind, the queue drops its oldest
frame and counts it. Frames on standard input that arrive before the model is loaded and
warmed up (the backlog a pipe's writer builds while artimap starts) are skipped and counted
apart. The stream ends with its source, after --max-frames, or on Ctrl-C.

Mouth box: --roi X,Y,W,H, else the run's training box for --speaker, else the run's box when it
used a single one (no automatic box: it needs the whole video first).

Writes, for STEM = camera<INDEX> or stdin, when the stream ends:
    STEM.predictions.npz  frame (P,) index on the training clock, time_s (P,), has (P,) bool,
                          outputs (P, *out) float32 in target units (NaN before the first clip)
                          for the P frames predicted (sent = P + dropped)
    STEM.side.mp4, STEM.contour.csv, STEM.ultrasound.mp4 (image targets), as `predict` writes
    STEM.live.json        source, rates, box, frames skipped at start-up (n_skipped_startup),
                          sent onto the clock / predicted / dropped while running
                          (dropped_fraction of those sent), per-frame latency (arrival ->
                          output) p50 / p99 / max in ms, wall time, and `warnings` (also on
                          stderr): more than 5 % of the frames sent were dropped
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from artimap.data.lip2tongue.roi import Box, check_box, parse_box
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_json
from artimap.io.framepipe import RAW_FORMATS
from artimap.models import load_model
from artimap.parallel import torch_threads
from artimap.tasks.lip2tongue import predict as file_predict
from artimap.tasks.lip2tongue.livefeed import DropOldest, Reader, camera_source, stdin_source
from artimap.tasks.lip2tongue.stepper import FramePredictor
from artimap.tasks.registry import best_checkpoint

DROP_WARN = 0.05  # the summary warns above this fraction of dropped frames (of those sent)


def add_predict_arguments(p: argparse.ArgumentParser) -> None:
    """The file options (`predict.add_predict_arguments`) and the live ones."""

    file_predict.add_predict_arguments(p)
    p.add_argument("--camera", type=int, default=None, metavar="INDEX",
                   help="live: OpenCV camera INDEX (0 = the first camera)")
    p.add_argument("--size", default=None, metavar="WxH",
                   help="--video -: raw frames of this size (without it stdin is read as y4m)")
    p.add_argument("--fps", type=float, default=None,
                   help="live: the source's frame rate (raw stdin: required; camera: default its "
                        "own; y4m: default its header's)")
    p.add_argument("--pixel-format", default="bgr24", choices=RAW_FORMATS,
                   help="--video - with --size: layout of the raw frames (ffmpeg -pix_fmt)")
    p.add_argument("--speaker", default=None,
                   help="live: use this training speaker's mouth box (see --roi)")
    p.add_argument("--queue", type=int, default=2,
                   help="live: frames waiting for the model; older ones are dropped (default 2)")
    p.add_argument("--max-frames", type=int, default=0,
                   help="live: stop after this many frames on the training clock (0 = no limit)")
    p.add_argument("--show", action="store_true", help="live: show lips | prediction in a window")


def predict(run_dir: Path, args: argparse.Namespace) -> Path:
    """Predict the tongue from lip video: a file (`predict.predict`), or a live stream
    (--camera INDEX, --video -; see the module doc). Returns args.out."""
    if args.camera is None and args.video != "-":
        return file_predict.predict(run_dir, args)
    if args.camera is not None and args.video is not None:
        raise ArtimapError("give either --camera or --video, not both")
    return predict_live(run_dir, args)


def _parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ArtimapError(f"--size {text!r}: expected WxH, e.g. 640x480") from None
    if w < 1 or h < 1:
        raise ArtimapError(f"--size {text!r}: width and height must be positive")
    return w, h


def live_box(text: str | None, speaker: str | None, rois: dict, shape: tuple[int, int]):
    """The mouth box of a live stream of (H, W) frames (module doc)."""

    if text == "auto":
        raise ArtimapError("--roi auto needs the whole video first; for a live stream give "
                           "--roi X,Y,W,H or --speaker NAME")
    if text is not None:
        box = parse_box(text)
    elif speaker is not None:
        if speaker not in rois:
            raise ArtimapError(f"--speaker {speaker!r}: not a training speaker of this run; "
                               f"valid: {', '.join(sorted(rois))}")
        box = Box(*rois[speaker])
    elif len({tuple(b) for b in rois.values()}) == 1:
        box = Box(*next(iter(rois.values())))
    else:
        raise ArtimapError("live streams need a mouth box: give --roi X,Y,W,H or --speaker "
                           f"(one of {', '.join(sorted(rois))})")
    check_box(box, shape, "--roi" if text else "the training box (give --roi)")
    return box


def predict_live(run_dir: Path, args: argparse.Namespace) -> Path:
    """Run a live stream to its end and write its outputs (module doc)."""

    cap = blank = None
    if args.camera is not None:
        frames, source_fps, cap = camera_source(args.camera, args.fps)
        name = f"camera{args.camera}"
    else:
        frames, source_fps, blank = stdin_source(_parse_size(args.size), args.fps,
                                                 args.pixel_format)
        name = "stdin"
    queue = DropOldest(args.queue)
    reader = Reader(frames, source_fps, queue, args.max_frames)
    if cap is None:
        reader.start()  # reads and skips the pipe's start-up backlog while the model loads
    t0 = time.perf_counter()
    try:
        with torch_threads(args.threads):
            model, meta = load_model(best_checkpoint(run_dir))
            fps = float(meta["data"]["fps"])
            got = Collected(model.config.out_shape())
            step = None if blank is None else ready_step(model, meta, args, blank, got)
            reader.begin(fps)
            if cap is not None:
                reader.start()
            print(f"{name}: streaming at {source_fps:g} fps onto the model's {fps:g} fps clock "
                  "(Ctrl-C ends it)", file=sys.stderr, flush=True)
            consume(model, meta, queue, args, got, step)
    except KeyboardInterrupt:  # Ctrl-C ends a camera stream: keep what was predicted
        if not reader.ready.is_set():
            raise
    finally:
        reader.stop.set()
        if cap is not None:
            reader.join(timeout=2.0)
            cap.release()
    if reader.error is not None:
        raise reader.error
    result = got.result()
    if not result["has"].any():
        n = len(result["has"])
        raise ArtimapError(f"{name}: {n} frames predicted at {fps:g} fps, fewer than the "
                           f"{model.config.n_frames} of one clip; stream longer")
    info = {"run": str(run_dir), "source": name, "source_fps": source_fps, "fps": fps,
            "n_skipped_startup": reader.skipped, "n_sent": reader.sent,
            "n_dropped": queue.dropped, "wall_s": time.perf_counter() - t0,
            "queue": args.queue, "target": meta["data"]["target"]}
    return write_live(Path(args.out) / name, result, meta, info)


def ready_step(model, meta: dict, args: argparse.Namespace, blank: np.ndarray,
               got: Collected):
    """The per-frame predictor for frames shaped as `blank`, warmed up (a first clip of black
    frames through a throwaway copy: the first forward passes are the slow ones), so the
    stream starts on a model that keeps pace."""

    got.box = live_box(args.roi, args.speaker, meta["data"]["rois"], blank.shape[:2])
    warm = FramePredictor(model, meta, got.box)
    for _ in range(model.config.n_frames + 1):
        warm.push(blank)
    return FramePredictor(model, meta, got.box)


class Collected:
    """What the predictor has produced so far (kept on Ctrl-C)."""

    def __init__(self, out_shape: tuple) -> None:
        self.out_shape, self.box = out_shape, None
        self.index: list[int] = []
        self.crops: list[np.ndarray] = []  # (S, S) uint8 each
        self.latency: list[float] = []  # s, arrival -> output
        self.outs: list[np.ndarray | None] = []  # (*out) each, None before the first clip

    def result(self) -> dict:
        """index (P,), crops (P, S, S), outputs (P, *out), has (P,), latency (P,) s, box."""
        full = np.full((len(self.outs), *self.out_shape), np.nan, np.float32)  # (P, *out)
        for k, y in enumerate(self.outs):
            if y is not None:
                full[k] = y
        size = self.crops[0].shape if self.crops else (0, 0)
        return {"index": np.asarray(self.index, np.int64), "outputs": full,
                "has": np.array([y is not None for y in self.outs], bool),
                "crops": np.asarray(self.crops, np.uint8).reshape(len(self.outs), *size),
                "latency": np.asarray(self.latency, np.float64), "box": self.box}


def consume(model, meta: dict, queue: DropOldest, args: argparse.Namespace,
            got: Collected, step=None) -> None:
    """Predict every frame the queue gives until it closes (or q in the window), into `got`,
    with `step` (a `FramePredictor`; made from the first frame when None)."""

    while (item := queue.get()) is not None:
        if step is None:
            got.box = live_box(args.roi, args.speaker, meta["data"]["rois"],
                               item.frame.shape[:2])
            step = FramePredictor(model, meta, got.box)
        crop, y = step.push(item.frame)
        got.outs.append(None)
        if y is not None:  # the output belongs to the frame `shift` frames back
            got.outs[len(got.outs) - 1 - step.shift] = y
        got.index.append(item.index)
        got.crops.append(crop)
        got.latency.append(time.perf_counter() - item.arrived)
        if args.show and _show(crop, y, meta) == ord("q"):
            break


def _show(crop: np.ndarray, y: np.ndarray | None, meta: dict) -> int:
    """Draw lips | newest prediction; returns the key pressed (-1 none)."""

    if y is None or meta["data"]["target"] != "image":
        pred = np.zeros(meta["data"]["target_size"], np.uint8)
    else:
        pred = np.rint(np.clip(y, 0, 1) * 255).astype(np.uint8)
    cv2.imshow("artimap live", file_predict.side_by_side(crop[None], pred[None])[0])
    return cv2.waitKey(1) & 0xFF


def drop_warnings(info: dict) -> list[str]:
    """The summary's warnings: more than DROP_WARN of the frames put on the clock dropped
    while running (the model fell behind); frames skipped at start-up are reported apart."""
    sent, dropped = info["n_sent"], info["n_dropped"]
    if not sent or dropped / sent <= DROP_WARN:
        return []
    return [f"{info['source']}: {dropped} of {sent} frames ({100 * dropped / sent:.0f} %) "
            f"dropped while running, more than {100 * DROP_WARN:.0f} %: the model is slower "
            "than the stream; give it more --threads or use a smaller model (a longer "
            "--queue only delays the drops)"]


def write_live(stem: Path, result: dict, meta: dict, info: dict) -> Path:
    """STEM.predictions.npz, the file path's videos and CSV, and STEM.live.json."""
    data, fps = meta["data"], info["fps"]
    stem.parent.mkdir(parents=True, exist_ok=True)
    times = result["index"] / fps  # (P,) s on the training clock
    np.savez_compressed(f"{stem}.predictions.npz", frame=result["index"], time_s=times,
                        has=result["has"], outputs=result["outputs"])
    units = file_predict.write_outputs(stem, result["crops"], result["outputs"], result["has"],
                                       times, data, None)
    ms = result["latency"] * 1e3
    info.update(roi=list(result["box"]), n_predicted=int(result["has"].sum()),
                n_processed=len(ms), contour_units=units,
                dropped_fraction=info["n_dropped"] / max(info["n_sent"], 1),
                latency_ms={"p50": float(np.percentile(ms, 50)),
                            "p99": float(np.percentile(ms, 99)), "max": float(ms.max())})
    info["warnings"] = drop_warnings(info)
    atomic_write_json(f"{stem}.live.json", info)
    print(f"{info['source']}: {info['n_skipped_startup']} frames skipped before the model was "
          f"ready; {info['n_sent']} frames, {len(ms)} predicted, {info['n_dropped']} dropped; "
          f"latency p50 {info['latency_ms']['p50']:.1f} ms, "
          f"p99 {info['latency_ms']['p99']:.1f} ms")
    for line in info["warnings"]:
        print(f"warning: {line}", file=sys.stderr)
    return stem.parent
