"""`artimap predict RUN_DIR --video LIPS.mp4 --out DIR [--roi X,Y,W,H|auto] [--ultrasound REAL.ult]`

The lip video goes through the code `artimap prepare lip2tongue` and the clip dataset use (the
run's checkpoint says how): frames on the lip clock at the training rate (`read_lip_stream`,
`output_clock`), mouth box (default: the training box when the run used a single one, else the
automatic box), then `inputs.FrameStream`: grey crop resized to S x S and the optical flow into
each new frame, rounded through the stored flow dtype, exactly the training inputs. Frames are
fed one at a time to a `StreamingPredictor` (per-frame feature cache). Each
output frame is aligned with a lip frame (the clip's last for target_position last/all, its
centre for centre); lip frames before the first full clip get no prediction.

Writes, for LIPS.mp4:
    LIPS.ultrasound.mp4   predicted target images (H_t x W_t, black before the first clip)
    LIPS.side.mp4         lips | prediction | real ultrasound (if --ultrasound), contours in red
    LIPS.contour.csv      image targets: frame,time_s,point,x,y (pixels of the target image,
                          empty where the extractor rejected the line);
                          point targets: a DeepLabCut-style CSV (scorer/bodyparts/coords rows)
    LIPS.predict.json     what was done (box, frames, rates, files)

Live streams (--camera INDEX, --video - for frames on stdin) are `live.py`: the same per-frame
step (`stepper.FramePredictor`) and the same outputs (`write_outputs`), written at the end.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from artimap.data.lip2tongue.roi import Box, auto_box, check_box, parse_box
from artimap.data.lip2tongue.streams import Target, read_lip_stream
from artimap.data.lip2tongue.sync import SyncResult, nearest_index, output_clock
from artimap.data.lip2tongue.utterance import Settings, render_target
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_json, atomic_write_text, check_prediction_out
from artimap.io.ult import find_param, read_param, read_ult
from artimap.io.video import write_video
from artimap.models import load_model
from artimap.parallel import torch_threads
from artimap.tasks.export import run_onnx_model
from artimap.tasks.lip2tongue.stepper import FramePredictor
from artimap.tasks.registry import best_checkpoint
from artimap.ultrasound.target import contour_fn

PANEL_H = 240  # height of each panel of the side-by-side video


def add_predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--video", default=None,
                   help="lip video (mp4, avi...), a lip frame folder, or - for a live stream of "
                        "frames on standard input (y4m, or raw with --size and --fps)")
    p.add_argument("--roi", default=None,
                   help="mouth box X,Y,W,H in video pixels, or auto (default: the training box "
                        "when the run used one, else auto)")
    p.add_argument("--ultrasound", default=None,
                   help="real .ult (with its .param) shown beside the prediction")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads for the frame-by-frame model (default 1: one frame "
                        "at a time is fastest and steadiest on one thread; see RESULTS.md)")
    p.add_argument("--backend", default="torch", choices=("torch", "onnx"),
                   help="torch (default): the checkpoint in PyTorch; onnx: the run's "
                        "RUN_DIR/model.onnx parts through onnxruntime, exported first when "
                        "missing or stale (`artimap export`)")


def read_lips(path: Path, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Lip frames (F, H, W) uint8 on the training clock (fps) and their times (F,) s: read and
    put on the clock as prepare does (`read_lip_stream`, `output_clock`)."""

    frames, times, _ = read_lip_stream(path, fps)
    keep = output_clock(times, fps, float(times[0]), float(times[-1]))
    return frames[keep], times[keep]


def choose_box(text: str | None, rois: dict, frames: np.ndarray, fps: float):
    """The mouth box: given, automatic, or the run's single training box."""

    boxes = {tuple(b) for b in rois.values()}
    if text is None and len(boxes) == 1:
        box = Box(*next(iter(boxes)))
        h, w = frames.shape[1:3]
        if box.x + box.w <= w and box.y + box.h <= h:
            return box
    if text is None or text == "auto":
        return auto_box(frames, fps)
    box = parse_box(text)
    check_box(box, frames.shape[1:3], "--video")
    return box


def stream_predict(model, meta: dict, frames: np.ndarray, box
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictions for lip frames (F, H, W[, 3]) uint8 cropped to `box`: (outputs (F, *out) in
    target units, images in [0, 1]; has (F,) bool; crops (F, S, S) uint8), output k aligned
    with lip frame k (see the module doc; one `stepper.FramePredictor` step per frame)."""

    step = FramePredictor(model, meta, box)
    size = meta["data"]["image_size"]
    outs = np.full((len(frames), *model.config.out_shape()), np.nan, np.float32)
    crops = np.empty((len(frames), size, size), np.uint8)  # (F, S, S)
    for t, frame in enumerate(frames):
        crops[t], y = step.push(frame)
        if y is not None:
            outs[t - step.shift] = y
    has = np.isfinite(outs.reshape(len(outs), -1)).any(1)
    return outs, has, crops


def real_ultrasound(path: Path, times: np.ndarray, data: dict) -> np.ndarray:
    """The real ultrasound at the lip frame times, rendered like the training targets:
    (F, H_t, W_t) uint8, black outside the recording."""

    params = read_param(find_param(path))
    values = read_ult(path, params)
    t_ult = params.frame_times(len(values))
    idx = nearest_index(t_ult, times)
    settings = Settings(target="image", fps=data["fps"], image_size=data["image_size"],
                        target_size=tuple(data["target_size"]), ultrasound=data["ultrasound"],
                        flow=data["flow"])
    sync = SyncResult(times, np.arange(len(times)), idx, np.zeros(len(times)))
    out = render_target(Target(values, t_ult, "ult", path, params), sync, settings)
    period = 1.0 / params.frames_per_sec
    out[(times < t_ult[0] - period) | (times > t_ult[-1] + period)] = 0
    return out


def _panel(img: np.ndarray, curve: np.ndarray | None = None) -> np.ndarray:
    """Gray (H, W) uint8 -> BGR panel PANEL_H high, with an optional red curve (L, 2) (x, y)."""
    scale = PANEL_H / img.shape[0]
    size = (max(1, round(img.shape[1] * scale)), PANEL_H)
    panel = cv2.cvtColor(cv2.resize(img, size, interpolation=cv2.INTER_LINEAR),
                         cv2.COLOR_GRAY2BGR)
    if curve is not None:  # one polyline per run of accepted lines: gaps stay gaps
        ok = np.isfinite(curve).all(1)
        pts = np.rint((np.nan_to_num(curve) + 0.5) * scale - 0.5).astype(np.int32)
        runs = np.split(np.arange(len(curve)), np.flatnonzero(np.diff(ok.astype(int))) + 1)
        lines = [pts[r].reshape(-1, 1, 2) for r in runs if ok[r[0]] and len(r) > 1]
        cv2.polylines(panel, lines, False, (40, 40, 255), 1, cv2.LINE_AA)
    return panel


def side_by_side(lips, pred, real=None, pred_curves=None, real_curves=None) -> np.ndarray:
    """(F, H, W, 3) uint8: lips | prediction | real, panels separated by 4 gray pixels."""
    gap = np.full((PANEL_H, 4, 3), 128, np.uint8)
    frames = []
    for k in range(len(lips)):
        panels = [_panel(lips[k]), gap,
                  _panel(pred[k], None if pred_curves is None else pred_curves[k])]
        if real is not None:
            panels += [gap, _panel(real[k], None if real_curves is None else real_curves[k])]
        frames.append(np.concatenate(panels, axis=1))
    return np.stack(frames)


def contour_csv(times: np.ndarray, curves: np.ndarray, has: np.ndarray) -> str:
    """frame,time_s,point,x,y rows for the frames with a prediction; curves (F, L, 2)."""
    lines = ["frame,time_s,point,x,y"]
    for k in np.flatnonzero(has):
        for p, (x, y) in enumerate(curves[k]):
            xs, ys = ("", "") if not np.isfinite(x + y) else (f"{x:.3f}", f"{y:.3f}")
            lines.append(f"{k},{times[k]:.6f},{p},{xs},{ys}")
    return "\n".join(lines) + "\n"


def dlc_csv(points: np.ndarray, names: list[str], has: np.ndarray) -> str:
    """DeepLabCut-style CSV of points (F, K, 2): scorer/bodyparts/coords header rows, then
    per frame x, y, likelihood (1 predicted, empty before the first clip)."""
    names = names or [f"p{k}" for k in range(points.shape[1])]
    rows = [["scorer"] + ["artimap"] * 3 * len(names),
            ["bodyparts"] + [n for n in names for _ in range(3)],
            ["coords"] + ["x", "y", "likelihood"] * len(names)]
    for k, frame in enumerate(points):
        cells = [str(k)]
        for x, y in frame:
            cells += [f"{x:.4f}", f"{y:.4f}", "1"] if has[k] else ["", "", ""]
        rows.append(cells)
    return "\n".join(",".join(r) for r in rows) + "\n"


def write_images(stem: Path, crops, outs, has, times, data: dict, ultrasound: str | None) -> str:
    """The image outputs of `predict` (module doc); returns the contours' unit."""

    pred = np.where(has[:, None, None], np.rint(np.clip(outs, 0, 1) * 255), 0).astype(np.uint8)
    real = None if ultrasound is None else real_ultrasound(Path(ultrasound), times, data)
    extract = contour_fn("fan" if data["ultrasound"] == "fan" else "raw",
                         real if real is not None else pred[has], data.get("fan_image"))
    curves = np.full((len(pred), *extract(pred[:1]).shape[1:]), np.nan)  # (F, L, 2)
    curves[has] = extract(pred[has])
    real_curves = extract(real) if real is not None else None
    write_video(f"{stem}.ultrasound.mp4", pred, data["fps"])
    write_video(f"{stem}.side.mp4", side_by_side(crops, pred, real, curves, real_curves),
                data["fps"])
    atomic_write_text(f"{stem}.contour.csv", contour_csv(times, curves, has))
    return "pixels of the {}x{} target image".format(*data["target_size"])


def write_outputs(stem: Path, crops, outs, has, times, data: dict, ultrasound: str | None
                  ) -> str:
    """The side video, contour CSV and (image targets) prediction video of `predict` (module
    doc) for crops (F, S, S), outputs (F, *out), has (F,), times (F,); returns the contours'
    unit."""

    if data["target"] == "image":
        return write_images(stem, crops, outs, has, times, data, ultrasound)
    blank = np.zeros((len(crops), *data["target_size"]), np.uint8)
    write_video(f"{stem}.side.mp4", side_by_side(crops, blank), data["fps"])
    atomic_write_text(f"{stem}.contour.csv", dlc_csv(outs, data["point_names"], has))
    return data["target_units"]


def predict(run_dir: Path, args: argparse.Namespace) -> Path:
    """Predict the tongue from `args.video` with the run's best checkpoint; returns args.out."""

    if args.video is None:
        raise ArtimapError("no input: give --video LIPS.mp4, --video - (frames on stdin) or "
                           "--camera INDEX")
    video, out = Path(args.video), Path(args.out)
    if not video.exists():
        raise ArtimapError(f"{video}: lip video not found; check --video")
    check_prediction_out(out, video.stem, getattr(args, "overwrite", False))
    model, meta = load_model(best_checkpoint(run_dir))
    if getattr(args, "backend", "torch") == "onnx":
        model = run_onnx_model(run_dir, max(1, int(getattr(args, "threads", 1))))
    data = meta["data"]
    frames, times = read_lips(video, data["fps"])
    box = choose_box(args.roi, data["rois"], frames, data["fps"])
    with torch_threads(getattr(args, "threads", 1)):
        outs, has, crops = stream_predict(model, meta, frames, box)
    if not has.any():
        raise ArtimapError(f"{video}: {len(crops)} frames at {data['fps']:g} fps, fewer than the "
                           f"{model.config.n_frames} of one clip; use a longer video")
    out.mkdir(parents=True, exist_ok=True)
    stem = out / video.stem
    info = {"run": str(run_dir), "video": str(video), "roi": list(box), "n_frames": len(crops),
            "n_predicted": int(has.sum()), "fps": data["fps"], "target": data["target"]}
    info["contour_units"] = write_outputs(stem, crops, outs, has, times, data, args.ultrasound)
    atomic_write_json(f"{stem}.predict.json", info)
    return out
