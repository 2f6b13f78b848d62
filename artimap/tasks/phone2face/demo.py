"""The phone2face section of `artimap demo`: prepare the demo corpus, fit the 13-d face spaces,
train the baseline and the PCA-injected BiGRU, the injected one with phone timing and the
dominance model, compare them with the paper and with the floor, baseline and ceiling rows.

    out/phone2face/prepared/            markers at 60 fps (the paper: 120), unknown phones -> sil
    out/phone2face/bases[-quick].json   Table 1 (test reconstruction RMSE of the 13-d spaces)
    out/phone2face/runs[-quick]/<row>/  run dirs (evaluated on the test split)

Everything finished is reused by a rerun; an interrupted run resumes from its last.pt. The
rows train side by side, one process per core. Quick mode (tests, first tries): tiny GRUs,
4-d spaces, 2 training steps per model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_json
from artimap.parallel import default_workers, parallel_map, torch_threads
from artimap.report import Report
from artimap.report_build import add_runs
from artimap.rundir import read_eval
from artimap.runfind import find_runs
from artimap.tasks.phone2face.summary import PUBLISHED

FPS = 60.0  # marker rate of the demo dataset: half the paper's 120, twice as fast to train;
# at 30 fps phone boundaries fall on a 33 ms grid, half a bilabial closure, and the dominance
# model missed closures it makes at 60 fps (RESULTS: "phone2face: the dominance model")
# (row, decoder, model settings, training settings): the paper's two models; the injected one
# with the position in the phone and its duration beside the one-hot (Phone2FaceConfig.timing)
# and a higher peak lr (picked on validation: configs/phone2face/demo_reg); the dominance model
# (configs/phone2face/dominance). Unset training settings take the task's defaults.
ROWS: tuple[tuple[str, str, dict[str, Any], dict[str, Any]], ...] = (
    ("baseline", "dense", {}, {}),
    ("pca_injected", "pca", {}, {}),
    ("pca_injected_timing", "pca", {"timing": True}, {"lr": 2e-2}),
    ("dominance", "dense", {"model": "phone2face_dominance"}, {"lr": 5e-2, "epochs": 200}),
)
FULL = {"hidden": 64, "epochs": 60, "latent_dim": 13, "ae_epochs": 100, "max_frames": 100_000}
QUICK = {"hidden": 8, "epochs": 1, "max_steps": 2, "latent_dim": 4, "ae_epochs": 2,
         "max_frames": 2000}


def prepared_dataset(out: Path, corpus: Path) -> Path:
    """The demo corpus prepared for phone2face under out/phone2face/prepared (made once)."""
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face

    prepared = out / "phone2face" / "prepared"
    manifest = prepared / "manifest.json"
    if not manifest.is_file():
        prepare_phone2face(corpus, prepared, PrepareConfig(fps=FPS, fallback="sil"))
    rate = json.loads(manifest.read_text(encoding="utf-8")).get("rate")
    if rate != FPS:  # an older demo's folder: its runs were trained at that rate too
        raise ArtimapError(
            f"{prepared}: prepared at {rate} fps by an earlier demo; the demo now uses {FPS:g} "
            f"fps. Remove {prepared.parent} (its runs were trained on those frames) or use a "
            "new --out folder")
    return prepared


def bases(prepared: Path, path: Path, s: dict[str, Any]) -> dict[str, Any]:
    """Table 1 numbers (p2f_bases.bases_table), cached in `path`."""
    from artimap.tasks.phone2face.bases import bases_table

    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    table = bases_table(prepared, s["latent_dim"], settings={"epochs": s["ae_epochs"]},
                        max_frames=s["max_frames"])
    atomic_write_json(path, table)
    return table


def run_config(prepared: Path, name: str, decoder: str, s: dict[str, Any],
               model: dict[str, Any] | None = None,
               train: dict[str, Any] | None = None) -> dict[str, Any]:
    """The partial ExperimentConfig of one demo model (the task's defaults otherwise); `model`
    holds model settings (key "model": another registry model than the BiGRU), `train`
    training settings (its "epochs" count in full mode only)."""
    model, train = dict(model or {}), dict(train or {})
    registry = model.pop("model", None)
    if "max_steps" in s:  # quick mode: its own epochs and steps
        train.pop("epochs", None)
    settings = {"epochs": s["epochs"], "max_steps": s.get("max_steps", 0), "device": "cpu",
                "progress": False, **train}
    cfg = {"task": "phone2face", "name": name, "data": str(prepared), "decoder": decoder,
           "init": "injected", "latent_dim": s["latent_dim"], "ae_epochs": s["ae_epochs"],
           "basis_max_frames": s["max_frames"], "model_config": model, "train": settings}
    if registry is None:
        model.update(hidden=s["hidden"], timing=model.get("timing", False))
    else:
        cfg["model"] = registry
    return cfg


def train_and_evaluate(prepared: Path, runs: Path, s: dict[str, Any]) -> dict[str, dict]:
    """Test metrics (eval/metrics.json) of the demo models, training what is not finished, the
    rows side by side in one process per core (each on one thread)."""
    todo = [(runs / name, run_config(prepared, name, decoder, s, model, train))
            for name, decoder, model, train in ROWS if read_eval(runs / name) is None]
    parallel_map(_train_row, todo, workers=default_workers(), desc="phone2face", unit="row")
    return {name: read_eval(runs / name) for name, *_ in ROWS}


def _train_row(job: tuple[Path, dict[str, Any]]) -> None:
    """Train (or resume) one demo row in run dir job[0] from config job[1], then evaluate it."""
    from artimap.tasks.registry import resolve_config, train_run

    run, config = job
    with torch_threads(1):
        module, cfg = resolve_config(config)
        train_run(module, cfg, run, resume=True)
        module.evaluate_run(run, "test")


def _bases_rows(table: dict[str, Any]) -> list[list[Any]]:
    return [[kind, round(table[f"{kind}_rmse_mm"], 3), PUBLISHED["bases_rmse_mm"][kind]]
            for kind in ("pca", "blendshape", "autoencoder")]


def demo_step(report: Report, out: Path, corpus: Path, quick: bool) -> None:
    """Append the phone2face section to `report` (see the module doc); work goes under out/."""
    s = QUICK if quick else FULL
    tag = "-quick" if quick else ""
    root = Path(out) / "phone2face"
    with torch_threads(1):  # GRUs this small run fastest on one thread
        prepared = prepared_dataset(Path(out), Path(corpus))
        table = bases(prepared, root / f"bases{tag}.json", s)
        train_and_evaluate(prepared, root / f"runs{tag}", s)
    report.heading("phone2face: lower-face markers from phones")
    report.text(
        f"BiGRU ({s['hidden']} units per direction, 2 layers) from frame-wise phones to the 44 "
        f"lower-face markers at {FPS:g} fps, trained {s['epochs']} epoch(s)"
        + (f" ({s['max_steps']} steps)" if quick else "")
        + " on the demo corpus's train split (batches of 4, one-cycle learning rate peaking at "
        "3e-3, the checkpoint of minimum validation loss); metrics on its test split, beside "
        "the mean face (the floor), ridge_phones (ridge from the one-hot phones of a "
        "+-0.33 s window: the simple baseline) and the talker's oracle (the ceiling: the markers "
        "regenerated from the phones with token variability and drift off); gap closed = "
        "the share of the floor -> ceiling RMSE gap a model closes. pca_injected_timing also "
        "reads each frame's position in its phone and the phone's duration (not in the "
        "paper) and trains with a one-cycle peak of 2e-2 (chosen on the validation split, "
        "configs/phone2face/demo_reg). dominance is Cohen & Massaro's (1993) coarticulation "
        "model learnt end to end (per phone: 8 targets, their dominance magnitudes and decay "
        "rates, blended over the phone tokens, then a small decoder to the markers; 200 epochs "
        "at a peak lr of 5e-2): the talker generates its articulation with this very model, "
        "so on the talker it has the right structure by construction. Targets are centred "
        "on the training mean (the task's default). The paper (Biasutto-Lervat et al. 2019) "
        "used 128 units, 120 fps and 4 h of one real speaker: compare trends, not values. "
        f"Published: about {PUBLISHED['best_rmse_mm']} mm RMSE for the best models; the epoch "
        f"of minimum validation loss about {PUBLISHED['min_val_epoch']['dense']} for the "
        f"baseline, about {PUBLISHED['min_val_epoch']['pca']} with an injected PCA decoder.")
    report.table(["13-d space", "test RMSE mm (here)", "published"], _bases_rows(table),
                 caption=f"Table 1: reconstruction error of the {s['latent_dim']}-d spaces "
                         "fitted on the train split")
    add_runs(report, find_runs(root / f"runs{tag}"), level=3)
