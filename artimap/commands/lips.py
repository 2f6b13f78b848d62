"""`artimap lips`: measure the lips in lip close-up video (8 points, aperture, width, ...).

  artimap lips VIDEO|FRAMES_DIR --out DIR [--labels FEW.csv]   measure every frame
  artimap lips train --data LABELLED_DIR --out lipnet.pt        train the lip model
  artimap lips evaluate --data LABELLED_DIR                     leave-speaker-out table
  artimap lips label VIDEO|FRAMES_DIR --out FEW.csv             label a few frames by hand

`artimap lips MODE --help` describes each. The package ships a trained model (see
artimap/lips/weights/README.md for its data and licence).
"""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

from artimap.argtypes import positive_int
from artimap.errors import ArtimapError

MODES = ("train", "evaluate", "label")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lips", help="measure the lips in lip video", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", help="a video or frame folder, or one of: " + ", ".join(MODES))
    p.add_argument("rest", nargs=argparse.REMAINDER, help="the mode's arguments")
    p.set_defaults(func=dispatch)


def measure_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="artimap lips", description="Measure the lips of every "
                                "frame of a lip video or frame folder.")
    p.add_argument("input", help="lip video (mp4, avi) or folder of frame images")
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--model", default=None, help="lip model file (default: the shipped one)")
    p.add_argument("--labels", default=None,
                   help="DeepLabCut CSV of 10-20 hand-labelled frames of this input: adapts "
                        "the model to the speaker")
    p.add_argument("--calibration", default="finetune", choices=(
        "finetune", "finetune+offset", "finetune+affine", "finetune+ridge", "offset", "affine",
        "ridge"), help="how --labels adapts the model: fine-tune it on the labelled frames "
        "(default: the best held-out in benchmarks/RESULTS.md; ~10-30 s on one thread), then "
        "maybe correct its outputs, or only correct the outputs (offset, affine, ridge)")
    p.add_argument("--tta", action="store_true",
                   help="average the points over three zooms too (steadier, ~4x slower)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier --out")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="CPU threads (default 1: fastest on a busy machine)")
    return p


def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="artimap lips train",
                                description="Train the lip model on labelled lip frames.")
    p.add_argument("--data", required=True, help="folder of DeepLabCut labelled folders")
    p.add_argument("--out", required=True, help="model file to write (.pt)")
    p.add_argument("--steps", type=positive_int, default=None, help="optimiser steps")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="CPU threads (default 1: fastest on a busy machine)")
    return p


def evaluate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="artimap lips evaluate",
                                description="Leave-speaker-out table on labelled lip frames.")
    p.add_argument("--data", required=True, help="folder of DeepLabCut labelled folders")
    p.add_argument("--folds", type=positive_int, default=5, help="speaker folds (default 5)")
    p.add_argument("--steps", type=positive_int, default=None, help="training steps per fold")
    p.add_argument("--cache", default=None, help="folder keeping the fold models (reused)")
    p.add_argument("--only", default=None,
                   help="comma list of fold numbers (from 0) to evaluate, e.g. 0,1: only their "
                        "frames are scored (each by a model trained on all other folds)")
    p.add_argument("--out", default=None, help="JSON file for the rows")
    p.add_argument("--no-finetune", action="store_true",
                   help="skip the fine-tuned rows (one fine-tune per test chunk, the slow part)")
    p.add_argument("--finetune-chunks", type=positive_int, default=None,
                   help="fine-tune and score at most this many test chunks per folder "
                        "(default: all, i.e. every frame; 3 is ~2.5x faster)")
    p.add_argument("--finetune-steps", type=positive_int, default=None,
                   help="fine-tuning steps (default: FineTuneConfig's)")
    p.add_argument("--threads", type=positive_int, default=1, help="CPU threads")
    p.add_argument("--speed", action="store_true",
                   help="also time the shipped (or --model) model on 320 x 240 frames")
    p.add_argument("--model", default=None, help="model timed by --speed")
    return p


def label_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="artimap lips label",
                                description="Label lip points on a few frames in a web page.")
    p.add_argument("input", help="lip video or folder of frame images")
    p.add_argument("--out", required=True, help="DeepLabCut CSV to write (FEW.csv)")
    p.add_argument("--frames", type=positive_int, default=12, help="frames to label")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--model", default=None,
                   help="lip model that places the starting points (default: the shipped one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    return p


def dispatch(args: argparse.Namespace) -> int:
    if args.target in MODES:
        parser = {"train": train_parser, "evaluate": evaluate_parser,
                  "label": label_parser}[args.target]()
        handler = {"train": run_train, "evaluate": run_evaluate, "label": run_label}
        return handler[args.target](parser.parse_args(args.rest))
    return run_measure(measure_parser().parse_args([args.target, *args.rest]))


def run_measure(a: argparse.Namespace) -> int:
    # torch and cv2 load only when a mode runs, so `artimap --help` stays fast
    import torch

    from artimap.lips.adapt import adapt
    from artimap.lips.labels import match_labels
    from artimap.lips.predict import TTA_SCALES
    from artimap.lips.run import measure_lips, read_input, summarise, write_outputs
    from artimap.lips.weights import DEFAULT_WEIGHTS, load_lipnet

    torch.set_num_threads(a.threads)
    model = load_lipnet(a.model)
    frames, fps, index = read_input(a.input)
    scales = TTA_SCALES if a.tta else (1.0,)
    cal = None
    if a.labels:
        where, true = match_labels(a.labels, index, Path(a.input).stem)
        model, cal = adapt(model, frames[where], true, a.calibration, scales)
    track = measure_lips(frames, model, cal, scales)
    summary = summarise(track, str(a.input), fps, str(a.model or DEFAULT_WEIGHTS),
                        None if not a.labels else f"{a.calibration} on {len(true)} frames "
                        f"of {a.labels}")
    write_outputs(Path(a.out), frames, track, index, fps, summary, a.overwrite)
    print(json.dumps({k: summary[k] for k in ("n_frames", "confidence_mean",
                                              "model_frames_per_s")}))
    return 0


def run_train(a: argparse.Namespace) -> int:
    # torch loads only when a mode runs, so `artimap --help` stays fast
    import torch

    from artimap.lips.data import read_labelled
    from artimap.lips.model import LipNetConfig
    from artimap.lips.train import LipTrainConfig, train_lipnet
    from artimap.lips.weights import save_lipnet

    torch.set_num_threads(a.threads)
    data = read_labelled(a.data)
    cfg = LipTrainConfig(seed=a.seed)
    if a.steps:
        cfg.steps = a.steps
    model = train_lipnet(data, LipNetConfig(), cfg, log=print)
    save_lipnet(a.out, model, {"data": Path(a.data).name, "frames": len(data),
                               "folders": len(set(data.groups)), "steps": cfg.steps,
                               "seed": cfg.seed})
    print(f"wrote {a.out} ({len(data)} frames, {len(set(data.groups))} folders)")
    return 0


def run_evaluate(a: argparse.Namespace) -> int:
    # torch loads only when a mode runs, so `artimap --help` stays fast
    import torch

    from artimap.fsutil import atomic_write_json
    from artimap.lips.data import read_labelled
    from artimap.lips.evaluate import evaluate, markdown, speed
    from artimap.lips.finetune import FineTuneConfig
    from artimap.lips.model import LipNetConfig
    from artimap.lips.train import LipTrainConfig
    from artimap.lips.weights import load_lipnet

    torch.set_num_threads(a.threads)
    cfg = LipTrainConfig()
    if a.steps:
        cfg.steps = a.steps
    cache = Path(a.cache) if a.cache else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    tune = None if a.no_finetune else FineTuneConfig()
    if tune is not None and a.finetune_steps:
        tune.steps = a.finetune_steps
    only = None if a.only is None else [int(x) for x in a.only.split(",")]
    if only is not None and not all(0 <= i < a.folds for i in only):
        raise ArtimapError(f"--only {a.only}: fold numbers go from 0 to {a.folds - 1}")
    rows = evaluate(read_labelled(a.data), a.folds, LipNetConfig(), cfg, cache, log=print,
                    only=only, finetune=tune,
                    finetune_chunks=a.finetune_chunks)
    print(markdown(rows))
    result: dict = {"rows": rows, "folds": a.folds, "only": only, "steps": cfg.steps,
                    "finetune_chunks": a.finetune_chunks}
    if a.speed:
        result["speed"] = {"threads": a.threads, **speed(load_lipnet(a.model))}
        print(json.dumps(result["speed"]))
    if a.out:
        atomic_write_json(a.out, result)
    return 0


def run_label(a: argparse.Namespace) -> int:
    # flask, torch and cv2 load only when a mode runs, so `artimap --help` stays fast
    import webbrowser

    from artimap.lips.label_app import create_label_app, pick_frames
    from artimap.lips.predict import predict_frames
    from artimap.lips.run import read_input
    from artimap.lips.weights import DEFAULT_WEIGHTS, load_lipnet

    frames, _, index = read_input(a.input)
    picks = pick_frames(len(frames), a.frames)
    start = None
    if a.model or DEFAULT_WEIGHTS.is_file():
        start = predict_frames(load_lipnet(a.model), frames[picks]).points
    app = create_label_app(frames, index, picks, start, Path(a.out))
    port = a.port or free_port()
    url = f"http://127.0.0.1:{port}/"
    print(f"label {len(picks)} frames at {url} ; 'save' writes {a.out}; Ctrl-C to stop")
    if not a.no_browser:
        webbrowser.open(url)
    app.run(host="127.0.0.1", port=port)
    return 0


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
