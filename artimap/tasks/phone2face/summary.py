"""summary.md and figures/ of a phone2face experiment, beside the published numbers.

Table 1: test-split reconstruction RMSE of the 13-d spaces (from the injected runs' bases).
Table 2: per configuration, mean ± std over seeds of every declared metric
(artimap.tasks.phone2face.metrics), the epoch of minimum validation loss and training time.
Figures: loss per epoch per configuration, violins of RMSE and correlation, the upper-lip
centre trajectory of one test utterance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from artimap.fsutil import atomic_write_text
from artimap.rundir import first_with_references
from artimap.tasks import tables
from artimap.tasks.phone2face import figures as F
from artimap.tasks.phone2face import metrics as declared
from artimap.tasks.tables import by_config, fmt, values

# Biasutto-Lervat, Dahmani & Ouni, Interspeech 2019 (one French speaker, 44 lower-face markers,
# 120 fps). Bases: test reconstruction RMSE of the 13-d spaces; the rest read from the text.
PUBLISHED: dict[str, Any] = {
    "bases_rmse_mm": {"pca": 0.33, "blendshape": 0.95, "autoencoder": 0.32},
    "best_rmse_mm": 1.3,  # best models, average RMSE
    "random_plateau": {"loss": 750, "rmse_mm": 2.0, "corr": 0.0},  # random-init latent models
    "min_val_epoch": {"dense": 70, "pca": 10, "blendshape": 10, "autoencoder": 10},
    "max_relative_rmse_gain": 0.35,  # injection vs random at the same training time
}
BASES = ("pca", "blendshape", "autoencoder")
TRAINING = {"best_epoch": "epoch of min val", "train_seconds": "train s"}  # header, 1 digit


def published_metrics() -> dict[str, dict[str, float]]:
    """{row name: {metric: the paper's value}}: none, the paper gives no per-row metrics."""
    return {}


def _by_config(rows: list[dict], experiment: dict) -> dict[str, list[dict]]:
    return by_config(rows, [r["name"] for r in experiment.get("runs", [])])


def table_bases(rows: list[dict]) -> list[str]:
    """Table 1 lines: basis reconstruction RMSE (mm) on the test split."""
    lines = ["| space (13-d) | RMSE mm (here) | published |", "|---|---|---|"]
    for kind in BASES:
        v = values([r for r in rows if r.get("decoder") == kind], "basis_rmse_mm")
        lines.append(f"| {kind} | {fmt(v)} | {PUBLISHED['bases_rmse_mm'][kind]:.2f} |")
    return lines


def table_runs(groups: dict[str, list[dict]]) -> list[str]:
    """Table 2 lines: per configuration mean ± std over seeds."""
    metrics = declared.METRICS
    head = ["configuration", "decoder", "init", "runs", *(m.header for m in metrics),
            *TRAINING.values(), "published min-val epoch"]
    lines = []
    for name, rs in groups.items():
        if not rs:
            lines.append([name, "", "", "0", *["-"] * (len(metrics) + len(TRAINING)), ""])
            continue
        dec, init = rs[0].get("decoder", ""), rs[0].get("init", "")
        pub = PUBLISHED["min_val_epoch"].get(dec) if init == "injected" or dec == "dense" else None
        cells = [tables.cell(rs, m.name) for m in metrics]
        cells += [tables.cell(rs, c, 1) for c in TRAINING]
        lines.append([name, dec, init, str(len(rs)), *cells, "~" + str(pub) if pub else "-"])
    return tables.markdown(head, lines)[:-1]


def table_references(experiment: dict) -> list[str]:
    """Reference rows (mean-face floor, ridge baseline, oracle ceiling) in the Table 2 layout,
    from the first evaluated run's metrics.json; [] when there is none."""
    m = first_with_references(experiment)
    if m is None:
        return []
    n = len(TRAINING) + 1
    return [f"| {name} | reference | - | - | "
            + " | ".join(fmt([(ref.get(x.name) or {}).get("mean")]) for x in declared.METRICS)
            + " |" + " - |" * n
            for name, ref in m["references"].items()]


def _injection_gains(groups: dict[str, list[dict]]) -> list[str]:
    """Relative RMSE change of each injected row against its random twin."""
    lines = []
    for kind in BASES:
        inj = [r for rs in groups.values() for r in rs
               if r.get("decoder") == kind and r.get("init") == "injected"]
        rnd = [r for rs in groups.values() for r in rs
               if r.get("decoder") == kind and r.get("init") == "random"]
        a, b = values(inj, "rmse_mm"), values(rnd, "rmse_mm")
        if len(a) and len(b):
            gain = 1 - a.mean() / b.mean()
            lines.append(f"- {kind}: injected RMSE {a.mean():.3f} mm vs random {b.mean():.3f} mm "
                         f"({100 * gain:+.1f}% relative improvement)")
    return lines


def _figures(rows: list[dict], experiment: dict, out_dir: Path) -> list[tuple[str, Path]]:
    fig_dir = out_dir / "figures"
    made: list[tuple[str, Path | None]] = []
    for run in experiment.get("runs", []):
        path = fig_dir / f"loss_{run['name']}.png"
        made.append((f"loss per epoch: {run['name']}",
                     F.loss_figure(run["name"], run["run_dirs"], path)))
    made.append(("RMSE per architecture and initialisation",
                 F.violin_figure(rows, "rmse_mm", "RMSE (mm)", fig_dir / "violin_rmse.png")))
    made.append(("correlation per architecture and initialisation",
                 F.violin_figure(rows, "corr", "Pearson r", fig_dir / "violin_corr.png")))
    samples = F.first_samples(experiment.get("runs", []))
    made.append(("upper-lip centre trajectory, one test utterance",
                 F.trajectory_figure(samples, fig_dir / "trajectory_upper_lip.png")))
    made.append(("inter-lip distance, one test utterance",
                 F.aperture_figure(samples, fig_dir / "lip_aperture.png")))
    return [(title, p) for title, p in made if p is not None]


def summarise(rows: list[dict], experiment: dict, out_dir: Path) -> None:
    """Write OUT/summary.md and OUT/figures/*.png from the results rows and the run dirs."""
    out_dir = Path(out_dir)
    groups = _by_config(rows, experiment)
    lines = [f"# phone2face: {experiment.get('description') or experiment.get('file', '')}", ""]
    if experiment.get("smoke"):
        lines += ["**Smoke run** (tiny models, 2 steps): the numbers only show that the "
                  "pipeline works.", ""]
    lines += [f"{len(rows)} evaluated runs; seeds {experiment.get('seeds', [])}. Metrics on the "
              "test split: RMSE per coordinate and mean per-marker Euclidean error (mm), "
              "per utterance then averaged; Pearson r per channel per utterance, averaged; lip "
              "error = per frame the largest lip-marker error, averaged. ± is the standard "
              "deviation over seeds. The published numbers come from one real speaker's 4 h "
              "corpus: on other data compare the trends, not the values.", "",
              "## Table 1: reconstruction error of the 13-d spaces",
              "", *table_bases(rows), "", "## Configurations", "",
              *table_runs(groups), *table_references(experiment), "",
              "## Intervals", "", *tables.interval_table(experiment, declared.METRICS,
                                                        declared.GAP),
              "", "Reference rows: mean_face = the training mean face in every frame (the "
              "floor); ridge_phones = ridge regression from the one-hot phones of a +-0.33 s "
              "window of frames, penalty picked on the validation split (the simple "
              "baseline); oracle = the talker's markers regenerated from the phones and their "
              "timing with token variability and drift off (the ceiling; talker corpora "
              "only); gap closed = (floor - RMSE) / (floor - ceiling).", ""]
    twins = [sorted((str(r["seed"]), str(r["rmse_mm"])) for r in groups.get(n, []))
             for n in ("pca_random", "blend_random")]
    if twins[0] and twins[0] == twins[1]:
        lines += ["pca_random and blend_random have the same architecture (a linear 13-d "
                  "bottleneck, random weights): with the same seeds they give the same runs.",
                  ""]
    gains = _injection_gains(groups)
    if gains:
        lines += ["## Injected vs random initialisation", "", *gains,
                  f"- published: up to {100 * PUBLISHED['max_relative_rmse_gain']:.0f}% relative "
                  "RMSE improvement; best models about "
                  f"{PUBLISHED['best_rmse_mm']} mm; random-init latent models stuck near "
                  f"{PUBLISHED['random_plateau']['rmse_mm']} mm (a static mean face).", ""]
    figures = _figures(rows, experiment, out_dir)
    if figures:
        lines += ["## Figures", ""]
        lines += [f"- {title}: ![{p.stem}](figures/{p.name})" for title, p in figures]
    atomic_write_text(out_dir / "summary.md", "\n".join(lines) + "\n")
