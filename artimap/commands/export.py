"""`artimap export RUN_DIR --format onnx [--out FILE]`: the run's model as ONNX graphs.

Writes FILE (default RUN_DIR/model.onnx) and, for models with per-frame towers, the other
parts beside it (FILE stem + .frames.onnx / .flows.onnx); every graph carries the run's
normalisation, rates, inventories and input/output shapes as ONNX metadata.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a trained model (ONNX)",
                       description=(__doc__ or "").strip())
    p.add_argument("run_dir", help="run directory written by `artimap train`")
    p.add_argument("--format", default="onnx", choices=("onnx",), help="export format")
    p.add_argument("--out", default=None, help="output .onnx file (default RUN_DIR/model.onnx)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.tasks.export import export_run

    for path in export_run(args.run_dir, args.out):
        print(f"exported -> {path}")
    return 0
