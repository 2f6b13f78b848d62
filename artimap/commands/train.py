"""`artimap train CONFIG.yaml --out RUN_DIR [--resume] [--set key=value ...] [--evaluate]
[--init-from RUN_DIR [--freeze towers|encoder]]`."""

from __future__ import annotations

import argparse
import os

from artimap.argtypes import positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train one run from a config file",
        description="Train one run (a row config such as configs/lip2tongue/ts_cnn_lstm_att.yaml; "
                    "its `task` key picks the task). The run directory receives config.yaml, "
                    "run.json, metrics.jsonl, best.pt and last.pt. Under torchrun the run is "
                    "data-parallel.",
    )
    p.add_argument("config", help="YAML run config (partial ExperimentConfig of its task)")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--resume", action="store_true",
                   help="continue from RUN_DIR/last.pt (starts afresh when there is none)")
    p.add_argument("--init-from", default=None, metavar="RUN_DIR",
                   help="fine-tune: start a new run from RUN_DIR's best weights, keeping its "
                        "normalisation (shapes must match; not with --resume)")
    p.add_argument("--freeze", default=None, choices=("towers", "encoder"),
                   help="with --init-from: keep these weights fixed (lip2tongue: towers, the "
                        "CNN towers; phone2face: encoder, the GRU)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.lr=3e-4 (repeatable)")
    p.add_argument("--evaluate", action="store_true",
                   help="evaluate the best checkpoint on the test split afterwards")
    p.add_argument("--allow-other-data", action="store_true",
                   help="with --resume: continue even though the data folder is no longer the "
                        "dataset the run was trained on (prepared again or edited)")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="torch CPU threads (default: torch's choice)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    import torch

    from artimap.tasks.registry import load_config_file, train_run

    if args.threads:
        torch.set_num_threads(args.threads)
    module, cfg = load_config_file(args.config, args.sets)
    state = train_run(module, cfg, args.out, resume=args.resume, init_from=args.init_from,
                      freeze=args.freeze, allow_other_data=args.allow_other_data)
    if int(os.environ.get("RANK", "0")) != 0:  # torchrun: the main process reports
        return 0
    print(f"trained {cfg.task}/{cfg.name}: {state.step} steps, {_best(args.out, state)} -> "
          f"{args.out}")
    if args.evaluate:
        # deferred: `artimap --help` stays fast (heavy libraries load on use)
        from artimap.commands.evaluate import summary_line
        from artimap.tasks.evaluation import evaluate

        print(summary_line(evaluate(args.out)))
    return 0


def _best(run_dir: str, state) -> str:
    """'best epoch N (val L)', or the training loss when the run had no validation split."""
    # deferred: `artimap --help` stays fast (heavy libraries load on use)
    from artimap.rundir import read_metrics

    has_val = any("val_loss" in row for row in read_metrics(run_dir))
    return f"best epoch {state.best_epoch} ({'val' if has_val else 'train loss, no val split'} " \
           f"{state.best_val:.5g})"
