"""`artimap predict RUN_DIR --out DIR [task options]`: run a trained model on new input.

The task is read from RUN_DIR/config.yaml; its options come from the task module's
`add_predict_arguments(parser)` (`artimap predict RUN_DIR --help` lists them), e.g.
lip2tongue: --video LIPS.mp4 [--roi X,Y,W,H|auto] [--ultrasound REAL.ult]. A task module may
define `out_optional(args)`: true when its input writes to standard output without --out
(the audio tasks' live `--audio -`).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="run a trained model on new input",
        description="Run a trained run's model on new input; the options depend on the run's "
                    "task: `artimap predict RUN_DIR --help` lists them.",
    )
    p.add_argument("run_dir", help="run directory written by `artimap train`")
    p.add_argument("options", nargs=argparse.REMAINDER,
                   help="--out DIR and the task's options (see `artimap predict RUN_DIR --help`)")
    p.set_defaults(func=run)


def task_parser(run_dir: str, module) -> argparse.ArgumentParser:
    """The parser of `artimap predict RUN_DIR` for the run's task module."""
    p = argparse.ArgumentParser(prog=f"artimap predict {run_dir}",
                                description=(module.predict.__doc__ or "").strip())
    p.add_argument("--out", help="output folder (audio tasks with --audio -: a CSV file, "
                                 "standard output without --out)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace earlier predictions for the same input in --out")
    module.add_predict_arguments(p)
    return p


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.tasks.registry import get_task_module, run_task_name

    module = get_task_module(run_task_name(args.run_dir))
    parser = task_parser(args.run_dir, module)
    options = parser.parse_args(args.options)
    if options.out is None and not getattr(module, "out_optional", lambda a: False)(options):
        parser.error("the following arguments are required: --out")
    out = module.predict(args.run_dir, options)
    if out is not None:  # None: the predictions went to standard output
        print(f"predictions -> {out}")
    return 0
