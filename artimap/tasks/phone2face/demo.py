"""The phone2face section of `artimap demo`: prepare the demo corpus, fit the 13-d face spaces,
train the rows of configs/phone2face/demo_rows/experiment.yaml (the baseline and the
PCA-injected BiGRU, the injected one with phone timing and the dominance model; seed 0) through
the experiment runner, compare them with the paper and with the floor, baseline and ceiling
rows.

    out/phone2face/prepared/                  markers at 60 fps (the paper: 120), unknown
                                              phones -> sil
    out/phone2face/bases[-quick].json         Table 1 (test reconstruction RMSE of the spaces)
    out/phone2face/demo[-quick]/out/<row>/seed0/   run dirs (evaluated on the test split), with
                                              the runner's results.csv, summary.md, figures/

Everything finished is reused by a rerun; an interrupted run resumes from its last.pt. The
rows train side by side, one process per core, one thread each. Quick mode (tests, first
tries): the experiment's smoke overrides (2 training steps per model).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.data.prepared import Prepared, is_prepared
from artimap.errors import ArtimapError
from artimap.experiment import run_experiment, shipped
from artimap.fsutil import atomic_write_json
from artimap.models import check_config
from artimap.parallel import default_workers, torch_threads
from artimap.report import Report
from artimap.report_build import add_runs
from artimap.runfind import find_runs
from artimap.tasks.phone2face.bases import bases_table
from artimap.tasks.phone2face.summary import PUBLISHED

FPS = 60.0  # marker rate of the demo dataset: half the paper's 120, twice as fast to train;
# at 30 fps phone boundaries fall on a 33 ms grid, half a bilabial closure, and the dominance
# model missed closures it makes at 60 fps (RESULTS: "phone2face: the dominance model")
EXPERIMENT = "phone2face/demo_rows/experiment.yaml"  # the demo's rows (under configs/)


def prepared_dataset(out: Path, corpus: Path) -> Path:
    """The demo corpus prepared for phone2face under out/phone2face/prepared (made once)."""

    prepared = out / "phone2face" / "prepared"
    if not is_prepared(prepared):
        prepare_phone2face(corpus, prepared, PrepareConfig(fps=FPS, fallback="sil"))
    rate = Prepared.open(prepared, "phone2face").manifest.get("rate")
    if rate != FPS:  # an older demo's folder: its runs were trained at that rate too
        raise ArtimapError(
            f"{prepared}: prepared at {rate} fps by an earlier demo; the demo now uses {FPS:g} "
            f"fps. Remove {prepared.parent} (its runs were trained on those frames) or use a "
            "new --out folder")
    return prepared


def bases(prepared: Path, path: Path, cfg: Any) -> dict[str, Any]:
    """Table 1 numbers (p2f_bases.bases_table) with the latent size, autoencoder epochs and
    frame sample of row config `cfg`, cached in `path`."""

    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    table = bases_table(prepared, cfg.latent_dim, settings={"epochs": cfg.ae_epochs},
                        max_frames=cfg.basis_max_frames)
    atomic_write_json(path, table)
    return table


def train_and_evaluate(prepared: Path, runs: Path, quick: bool) -> dict[str, Any]:
    """{row name: resolved ExperimentConfig} of the demo's rows, training and evaluating (on
    the test split) what is not finished, the rows side by side in one process per core (each
    on one thread)."""
    result = run_experiment(shipped(EXPERIMENT), runs, seeds=1, smoke=quick,
                            workers=default_workers(), data=str(prepared))
    return {spec.name: spec.config for spec in result["specs"]}


def _bases_rows(table: dict[str, Any]) -> list[list[Any]]:
    return [[kind, round(table[f"{kind}_rmse_mm"], 3), PUBLISHED["bases_rmse_mm"][kind]]
            for kind in ("pca", "blendshape", "autoencoder")]


def demo_step(report: Report, out: Path, corpus: Path, quick: bool) -> None:
    """Append the phone2face section to `report` (see the module doc); work goes under out/."""
    tag = "-quick" if quick else ""
    root = Path(out) / "phone2face"
    with torch_threads(1):  # GRUs this small run fastest on one thread
        prepared = prepared_dataset(Path(out), Path(corpus))
        rows = train_and_evaluate(prepared, root / f"demo{tag}" / "out", quick)
        table = bases(prepared, root / f"bases{tag}.json", rows["pca_injected"])
    base, timing, dominance = rows["baseline"], rows["pca_injected_timing"], rows["dominance"]
    model = check_config(base.model, base.model_config)
    report.heading("phone2face: lower-face markers from phones")
    report.text(
        f"BiGRU ({model.hidden} units per direction, {model.layers} layers) from frame-wise "
        f"phones to the 44 lower-face markers at {FPS:g} fps, trained {base.train.epochs} "
        "epoch(s)" + (f" ({base.train.max_steps} steps)" if base.train.max_steps else "")
        + f" on the demo corpus's train split (batches of {base.train.batch_size}, one-cycle "
        f"learning rate peaking at {base.train.lr:g}, the checkpoint of minimum validation "
        "loss); metrics on its test split, beside "
        "the mean face (the floor), ridge_phones (ridge from the one-hot phones of a "
        "+-0.33 s window: the simple baseline) and the talker's oracle (the ceiling: the markers "
        "regenerated from the phones with token variability and drift off); gap closed = "
        "the share of the floor -> ceiling RMSE gap a model closes. pca_injected_timing also "
        "reads each frame's position in its phone and the phone's duration (not in the "
        f"paper) and trains with a one-cycle peak of {timing.train.lr:g} (chosen on the "
        "validation split, "
        "configs/phone2face/demo_reg). dominance is Cohen & Massaro's (1993) coarticulation "
        "model learnt end to end (per phone: 8 targets, their dominance magnitudes and decay "
        "rates, blended over the phone tokens, then a small decoder to the markers; "
        f"{dominance.train.epochs} epochs at a peak lr of {dominance.train.lr:g}): the talker "
        "generates its articulation with this very model, "
        "so on the talker it has the right structure by construction. Targets are centred "
        "on the training mean (the task's default). The paper (Biasutto-Lervat et al. 2019) "
        "used 128 units, 120 fps and 4 h of one real speaker: compare trends, not values. "
        f"Published: about {PUBLISHED['best_rmse_mm']} mm RMSE for the best models; the epoch "
        f"of minimum validation loss about {PUBLISHED['min_val_epoch']['dense']} for the "
        f"baseline, about {PUBLISHED['min_val_epoch']['pca']} with an injected PCA decoder.")
    report.table(["13-d space", "test RMSE mm (here)", "published"], _bases_rows(table),
                 caption=f"Table 1: reconstruction error of the {base.latent_dim}-d spaces "
                         "fitted on the train split")
    add_runs(report, find_runs(root / f"demo{tag}" / "out"), level=3)
