"""`artimap study`: a subjective rating study of predicted ultrasound frames.

    artimap study make EXPERIMENT --frames 40 --out STUDY   frames and every method's prediction
    artimap study serve STUDY [--host 0.0.0.0] [--port 8000] the rating web app (127.0.0.1:
                                                            this machine only)
    artimap study analyse STUDY                             mean ± std, tests, agreement (HTML)
"""

from __future__ import annotations

import argparse
import socket

from artimap.argtypes import non_negative_int, positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="make, serve and analyse a rating study",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = p.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    make = steps.add_parser("make", help="random test frames and each method's prediction")
    make.add_argument("experiment", help="a folder with evaluated lip2tongue runs below it")
    make.add_argument("--frames", type=positive_int, default=40, help="frames (default 40)")
    make.add_argument("--out", required=True, help="the study folder to create")
    make.add_argument("--seed", type=non_negative_int, default=0,
                      help="seed of the frame choice and of the raters' orders")
    make.set_defaults(func=run_make)
    serve = steps.add_parser("serve", help="serve the rating web app")
    serve.add_argument("study", help="a folder made by `artimap study make`")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; "
                       "0.0.0.0 lets raters on the lab network in)")
    serve.add_argument("--port", type=positive_int, default=8000, help="port (default 8000)")
    serve.set_defaults(func=run_serve)
    analyse = steps.add_parser("analyse", help="results: mean ± std, tests, agreement")
    analyse.add_argument("study", help="a study folder with ratings")
    analyse.set_defaults(func=run_analyse)


def run_make(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.study.make import make_study

    out = make_study(args.experiment, args.out, frames=args.frames, seed=args.seed)
    print(f"wrote {out}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.study.app import serve

    print(serve_banner(args.study, args.host, args.port), flush=True)
    serve(args.study, args.host, args.port)
    return 0


def serve_banner(study: str, host: str, port: int) -> str:
    """Where raters open the study: this machine only on a loopback address (and how to let
    others in), else this machine's network name."""
    if host in ("127.0.0.1", "localhost", "::1"):
        return (f"serving {study} on http://{host}:{port}/ for this machine only; pass --host "
                "0.0.0.0 to let raters on the lab network in (Ctrl-C stops)")
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    return f"serving {study}: raters open http://{shown}:{port}/ (Ctrl-C stops)"


def run_analyse(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.study.analyse import write_analysis

    result, path = write_analysis(args.study)
    for name, v in result["methods"].items():
        mean = "-" if v["mean"] is None else f"{v['mean']:.2f}"
        std = "-" if v["std"] is None else f"{v['std']:.2f}"
        print(f"{name}: {mean} ± {std} ({v['n']} scores)")
    w = result["agreement"]["kendall_w"]
    print("Kendall's W: " + ("-" if w is None else f"{w:.3f}"))
    print(f"wrote {path}")
    return 0
