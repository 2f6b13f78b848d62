"""The phone2face section of `artimap demo`: prepare the demo corpus, fit the 13-d face spaces,
train the baseline and the PCA-injected BiGRU for a few epochs, compare them with the paper.

    out/phone2face/prepared/            markers at 30 fps (the paper: 120), unknown phones -> sil
    out/phone2face/bases[-quick].json   Table 1 (test reconstruction RMSE of the 13-d spaces)
    out/phone2face/runs[-quick]/<row>/  run dirs (evaluated on the test split)

Everything finished is reused by a rerun; an interrupted run resumes from its last.pt. Quick
mode (tests, first tries): tiny GRUs, 4-d spaces, 2 training steps per model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from artimap.fsutil import atomic_write_json
from artimap.parallel import torch_threads
from artimap.report import Report
from artimap.report_build import add_runs
from artimap.rundir import read_eval
from artimap.runfind import find_runs
from artimap.tasks.phone2face.summary import PUBLISHED

FPS = 30.0  # marker rate of the demo dataset: a quarter of the paper's, four times faster
# (row, decoder, phone timing, one-cycle peak lr; None: the task's default, 3e-3): the
# paper's two models, then the injected one with the position in the phone and its duration
# beside the one-hot (Phone2FaceConfig.timing) and a higher peak lr (picked on validation:
# configs/phone2face/demo_reg)
ROWS = (("baseline", "dense", False, None), ("pca_injected", "pca", False, None),
        ("pca_injected_timing", "pca", True, 2e-2))
FULL = {"hidden": 64, "epochs": 60, "latent_dim": 13, "ae_epochs": 100, "max_frames": 100_000}
QUICK = {"hidden": 8, "epochs": 1, "max_steps": 2, "latent_dim": 4, "ae_epochs": 2,
         "max_frames": 2000}


def prepared_dataset(out: Path, corpus: Path) -> Path:
    """The demo corpus prepared for phone2face under out/phone2face/prepared (made once)."""
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face

    prepared = out / "phone2face" / "prepared"
    if not (prepared / "manifest.json").is_file():
        prepare_phone2face(corpus, prepared, PrepareConfig(fps=FPS, fallback="sil"))
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
               timing: bool = False, lr: float | None = None) -> dict[str, Any]:
    """The partial ExperimentConfig of one demo model (the task's defaults otherwise)."""
    train = {"epochs": s["epochs"], "max_steps": s.get("max_steps", 0), "device": "cpu",
             "progress": False, **({"lr": lr} if lr is not None else {})}
    return {"task": "phone2face", "name": name, "data": str(prepared), "decoder": decoder,
            "init": "injected", "latent_dim": s["latent_dim"], "ae_epochs": s["ae_epochs"],
            "basis_max_frames": s["max_frames"],
            "model_config": {"hidden": s["hidden"], "timing": timing}, "train": train}


def train_and_evaluate(prepared: Path, runs: Path, s: dict[str, Any]) -> dict[str, dict]:
    """Test metrics (eval/metrics.json) of the demo models, training what is not finished."""
    from artimap.tasks.registry import resolve_config, train_run

    results = {}
    for name, decoder, timing, lr in ROWS:
        run = runs / name
        if read_eval(run) is None:
            module, cfg = resolve_config(run_config(prepared, name, decoder, s, timing, lr))
            train_run(module, cfg, run, resume=True)
            module.evaluate_run(run, "test")
        results[name] = read_eval(run)
    return results


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
        "configs/phone2face/demo_reg). Targets are centred "
        "on the training mean (the task's default). The paper (Biasutto-Lervat et al. 2019) "
        "used 128 units, 120 fps and 4 h of one real speaker: compare trends, not values. "
        f"Published: about {PUBLISHED['best_rmse_mm']} mm RMSE for the best models; the epoch "
        f"of minimum validation loss about {PUBLISHED['min_val_epoch']['dense']} for the "
        f"baseline, about {PUBLISHED['min_val_epoch']['pca']} with an injected PCA decoder.")
    report.table(["13-d space", "test RMSE mm (here)", "published"], _bases_rows(table),
                 caption=f"Table 1: reconstruction error of the {s['latent_dim']}-d spaces "
                         "fitted on the train split")
    add_runs(report, find_runs(root / f"runs{tag}"), level=3)
