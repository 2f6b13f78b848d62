"""`artimap evaluate RUN_DIR [--split test]`: metrics of a trained run -> RUN_DIR/eval/."""

from __future__ import annotations

import argparse

from artimap.argtypes import non_negative_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a trained run",
        description="Evaluate a run's best checkpoint; writes RUN_DIR/eval/metrics.json for the "
                    "test split (eval/metrics_<split>.json for others; lip2tongue also "
                    "eval/samples.npz) and prints the main numbers.",
    )
    p.add_argument("run_dir", help="run directory written by `artimap train`")
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--max-frames", type=non_negative_int, default=None,
                   help="lip2tongue: evaluate at most N frames, evenly spread (0 = all; "
                        "default: the run's eval.max_frames)")
    p.add_argument("--allow-other-data", action="store_true",
                   help="score the run's data folder even when it is not the dataset the run "
                        "was trained on (prepared again or edited since); metrics.json says so")
    p.add_argument("--data", default=None, metavar="PREPARED",
                   help="score this prepared dataset instead of the run's own (e.g. another "
                        "speaker's, prepared with the same settings); metrics.json records it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.rundir import metrics_path
    from artimap.tasks.evaluation import evaluate

    result = evaluate(args.run_dir, args.split, max_frames=args.max_frames,
                      allow_other_data=args.allow_other_data, data=args.data)
    print(summary_line(result))
    other = result["data"]["fingerprint"] if args.data else None
    print(f"wrote {metrics_path(args.run_dir, args.split, other)}")
    return 0


def summary_line(result: dict) -> str:
    """'split test, 120 frames: ssim 0.61 +- 0.05, ...' from a metrics.json dict."""
    parts = []
    for name, m in result.get("metrics", {}).items():
        if isinstance(m, dict) and m.get("mean") is not None:
            std = f" +- {m['std']:.4g}" if m.get("std") is not None else ""
            parts.append(f"{name} {m['mean']:.4g}{std}")
    n = result.get("n_frames")
    head = f"split {result.get('split', '?')}" + (f", {n} frames" if n is not None else "")
    return f"{head}: {', '.join(parts)}"
