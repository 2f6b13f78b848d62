"""Speaker adaptation on the virtual talker: train on speaker A, adapt to speaker B with a
small share of B's utterances (`artimap train --init-from`), for both tasks.

Conditions, each scored on B's test utterances, mean +- std over seeds:
    no adaptation   A's model as it is
    scratch p%      trained from scratch on p % of B's utterances
    adapt p%        A's model fine-tuned on the same p % of B's utterances

    artimap synth --preset demo --speakers 2 --utterances 40 --out corpus
    artimap prepare lip2tongue --corpus corpus --out l2t --image-size 32
    artimap prepare phone2face --corpus corpus --out p2f --fps 30
    OMP_NUM_THREADS=1 python configs/adaptation/study.py --l2t l2t --p2f p2f --out study

Splits: per speaker, a seeded shuffle (seed 0) of its utterances gives 10 test, 5 validation
and 25 training utterances; the p % subsets of B (of all 40 of its utterances: 2, 4, 10) are
nested prefixes of B's shuffled training pool. Every condition reads the prepared arrays through
its own folder (links to them, plus its own split.json); the test split is always B's test set.
The input statistics written by prepare (lip2tongue stats.json, phone2face target mean) come
from prepare's own split of both speakers and are shared by every condition.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

CONFIGS = Path(__file__).resolve().parents[1]
SHARES = (5, 10, 25)  # % of B's utterances used for adaptation
N_TEST, N_VAL, N_TRAIN = 10, 5, 25  # utterances per speaker
SETTINGS = {  # task -> (row config, overrides for A, overrides for B runs, metrics)
    "lip2tongue": ("lip2tongue/ts_cnn_lstm_att.yaml",
                   ["model_scale.lip2tongue_ts_cnn_lstm.tower_channels=[8,16,32]",
                    "model_scale.lip2tongue_ts_cnn_lstm.tower_downsample=stride",
                    "model_scale.lip2tongue_ts_cnn_lstm.feat_dim=32",
                    "model_scale.lip2tongue_ts_cnn_lstm.lstm_hidden=32",
                    "train.lr=1e-3", "train.batch_size=32", "stride=2", "max_val_clips=200",
                    "eval.max_frames=120", "eval.n_samples=2", "train.device=cpu",
                    "train.progress=false"],
                   {"source": ["train.max_steps=150", "train.epochs=100"],
                    "b": ["train.max_steps=60", "train.epochs=100"]},
                   ("ssim", "msd")),
    "phone2face": ("phone2face/baseline.yaml",
                   ["model_config.hidden=16", "model_config.layers=1", "normalise=centre",
                    "train.lr=3e-3", "train.batch_size=4", "train.device=cpu",
                    "train.progress=false"],
                   {"source": ["train.max_steps=150", "train.epochs=100"],
                    "b": ["train.max_steps=60", "train.epochs=100"]},
                   ("rmse_mm", "corr")),
}


def speaker_splits(prepared: Path) -> dict[str, list[str]]:
    """Utterance ids per speaker (manifest `speaker`, else the id's prefix), sorted."""
    manifest = json.loads((prepared / "manifest.json").read_text())
    out: dict[str, list[str]] = {}
    for u in manifest["utterances"]:
        out.setdefault(u.get("speaker") or u["id"].split("_")[0], []).append(u["id"])
    return {k: sorted(v) for k, v in sorted(out.items())}


def folder(prepared: Path, out: Path, split: dict[str, list[str]]) -> Path:
    """A prepared-dataset folder reading `prepared`'s files, with its own split.json."""
    out.mkdir(parents=True, exist_ok=True)
    for f in prepared.iterdir():
        if f.name != "split.json" and not (out / f.name).exists():
            (out / f.name).symlink_to(f.resolve())
    (out / "split.json").write_text(json.dumps(split))
    return out


def own_stats(data: Path) -> None:
    """phone2face: replace the folder's shared stats.json by the mean and std of its own
    training utterances, as if each speaker's data had been prepared on its own (`--own-stats`:
    a new speaker's face sits millimetres away from the source speaker's)."""
    from artimap.data.prepared import Prepared

    prepared = Prepared.open(data, "phone2face")
    rows = prepared.rows("train")
    pts = np.asarray(prepared.array("markers")[rows], np.float64)  # (F, M, 3)
    ok = np.repeat(np.asarray(prepared.array("mask")[rows]), 3, axis=1)  # (F, M*3)
    x = np.where(ok, pts.reshape(len(rows), -1), np.nan)
    stats = {**prepared.stats, "mean": np.nanmean(x, 0).tolist(),
             "std": np.nanstd(x, 0).tolist(), "count": ok.sum(0).tolist()}
    (data / "stats.json").unlink()
    (data / "stats.json").write_text(json.dumps(stats))


def plan_splits(prepared: Path, out: Path, separate: bool = False) -> dict[str, Path]:
    """Data folders: 'a' (A's train/val) and 'b<p>' (p % of B), all tested on B's test set;
    `separate`: each folder's statistics from its own training utterances (`own_stats`)."""
    speakers = list(speaker_splits(prepared).items())
    if len(speakers) < 2:
        raise SystemExit(f"{prepared}: one speaker only; synthesise with --speakers 2")
    (_, a_ids), (_, b_ids) = speakers[:2]
    rng = np.random.default_rng(0)
    a, b = [list(np.asarray(ids)[rng.permutation(len(ids))]) for ids in (a_ids, b_ids)]
    test = sorted(b[:N_TEST])
    dirs = {"a": folder(prepared, out / "a", {"train": sorted(a[N_TEST + N_VAL:]),
                                                  "val": sorted(a[N_TEST:N_TEST + N_VAL]),
                                                  "test": test})}
    pool, val = b[N_TEST + N_VAL:], sorted(b[N_TEST:N_TEST + N_VAL])
    for p in SHARES:
        n = max(1, round(p / 100 * len(b_ids)))
        dirs[f"b{p}"] = folder(prepared, out / f"b{p}", {"train": sorted(pool[:n]), "val": val,
                                                          "test": test})
    if separate:
        for d in dirs.values():
            own_stats(d)
    return dirs


def step_sets(task: str, steps: tuple[int, int] | None) -> dict[str, list[str]]:
    """The step overrides of A's run and of B's runs (the defaults, or --steps A B)."""
    if steps is None:
        return SETTINGS[task][2]
    return {"source": [f"train.max_steps={steps[0]}", "train.epochs=1000"],
            "b": [f"train.max_steps={steps[1]}", "train.epochs=1000"]}


def train_eval(task: str, data: Path, run: Path, seed: int, sets: list[str],
               init_from: Path | None = None) -> dict:
    """Train (unless done) and evaluate one run; returns its results row."""
    from artimap.tasks.registry import load_config_file, train_run

    row_cfg, common, _, _ = SETTINGS[task]
    module, cfg = load_config_file(CONFIGS / row_cfg, [*common, *sets, f"data={data}",
                                                       f"train.seed={seed}"])
    if not (run / "eval" / "metrics.json").is_file():
        train_run(module, cfg, run, init_from=init_from)
        module.evaluate_run(run, "test")
    metrics = json.loads((run / "eval" / "metrics.json").read_text())
    return module.result_row(run, metrics)


def study(task: str, prepared: Path, out: Path, seeds: int,
          step_counts: tuple[int, int] | None = None, separate: bool = False) -> list[dict]:
    """Every condition x seed of one task; rows (condition, share, seed, metrics...)."""
    dirs = plan_splits(prepared, out / "data", separate and task == "phone2face")
    steps, metrics = step_sets(task, step_counts), SETTINGS[task][3]
    rows = []
    for seed in range(seeds):
        src = out / "runs" / f"a_seed{seed}"
        rows.append({"condition": "no adaptation", "share": 0, "seed": seed,
                     **_pick(train_eval(task, dirs["a"], src, seed, steps["source"]), metrics)})
        for p in SHARES:
            for cond, init in (("scratch", None), ("adapt", src)):
                run = out / "runs" / f"{cond}{p}_seed{seed}"
                res = train_eval(task, dirs[f"b{p}"], run, seed, steps["b"], init)
                rows.append({"condition": cond, "share": p, "seed": seed,
                             **_pick(res, metrics)})
    return rows


def _pick(row: dict, names: tuple[str, ...]) -> dict:
    return {k: float(row[k]) for k in names}


def table(task: str, rows: list[dict]) -> str:
    """Markdown: one line per condition, mean +- std over seeds of each metric."""
    metrics = SETTINGS[task][3]
    lines = [f"| {task} | B utterances | " + " | ".join(metrics) + " |",
             "|---|---|" + "---|" * len(metrics)]
    keys = sorted({(r["share"], r["condition"]) for r in rows},
                  key=lambda k: (k[0], k[1] != "scratch"))
    for share, cond in keys:
        sel = [r for r in rows if (r["share"], r["condition"]) == (share, cond)]
        cells = [f"{np.mean([r[m] for r in sel]):.4f} +- {np.std([r[m] for r in sel]):.4f}"
                 for m in metrics]
        lines.append(f"| {cond} | {share} % | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--l2t", type=Path, help="prepared lip2tongue data (2 speakers)")
    p.add_argument("--p2f", type=Path, help="prepared phone2face data (2 speakers)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--steps", type=int, nargs=2, default=None, metavar=("A", "B"),
                   help="optimiser steps of A's runs and of B's runs (default: per task above)")
    p.add_argument("--own-stats", action="store_true",
                   help="phone2face: each condition's statistics from its own training "
                        "utterances, as if each speaker were prepared on its own")
    args = p.parse_args()
    for task, data in (("phone2face", args.p2f), ("lip2tongue", args.l2t)):
        if data is None:
            continue
        t0, c0 = time.time(), time.process_time()
        rows = study(task, data, args.out / task, args.seeds, args.steps, args.own_stats)
        text = table(task, rows) + (f"\n\n{len(rows)} runs, wall {time.time() - t0:.0f} s, "
                                    f"CPU {time.process_time() - c0:.0f} s\n")
        (args.out / f"{task}.md").write_text(text)
        (args.out / f"{task}.json").write_text(json.dumps(rows, indent=1))
        print(text)


if __name__ == "__main__":
    main()
