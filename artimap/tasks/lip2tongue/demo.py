"""The lip2tongue section of `artimap demo`: prepare the demo corpus, train the ConvLSTM baseline,
the full TS-CNN-LSTM (with attention) as in the paper and in the improved setting (`IMPROVED`)
for a few CPU minutes, put Table 2 beside the paper with the floor, baseline and oracles.

    out/lip2tongue/prepared/                 32 x 32 lip crops (paper: 96), 128 x 64 raw
                                             scanline targets, Farneback flow (made once)
    out/lip2tongue/demo[-quick]/             the demo's experiment file and its two row files
    out/lip2tongue/demo[-quick]/out/<row>/seed0/   run dirs, evaluated on the test split
    out/lip2tongue/demo[-quick]/out/summary.md, figures/figure2_grid.png

The runs go through `artimap.experiment`, so a rerun skips every evaluated run and resumes an
interrupted one. Widths are those of configs/lip2tongue/talker_cpu.yaml with fewer epochs;
quick mode (tests, first tries): the models' tiny presets, 2 training steps each.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from artimap.fsutil import atomic_write_text
from artimap.parallel import default_workers, torch_threads
from artimap.report import Report
from artimap.report_build import add_runs
from artimap.rundir import read_eval
from artimap.runfind import find_runs

IMAGE_SIZE = 32  # lip crop side of the demo dataset
_PAPER_TRAIN = {"lr": 1e-3, "epochs": 2}
# the improved setting: a narrow bottleneck (8 features per frame and stream, LSTM 32, a
# 32-unit code decoded by the eigentongues), loss on blurred targets, weight decay, longer,
# and the output layer refitted in closed form after training (ridge readout)
IMPROVED = {"model": "lip2tongue_ts_cnn_lstm",
            "model_config": {"use_flow": True, "use_attention": True, "feat_dim": 8,
                             "lstm_hidden": 32, "fc_dims": [64, 32], "conv_dropout": 0.1,
                             "fc_dropout": 0.1},
            "eigentongue_k": 32, "loss_blur_sigma": 3.0, "readout": "ridge",
            "train": {"lr": 3e-3, "epochs": 6, "weight_decay": 1e-4, "patience": 3}}
# talker corpora only: the frame tower's first 4 features learn the TRUE lip parameters (first
# alone, 800 steps on single frames, then beside the image loss), and the ridge readout may
# also read a quadratic expansion of those 4 estimates over the clip (the lip oracle's form)
TALKER_LIPS = {"aux_lip_weight": 1.0, "aux_lip_pretrain_steps": 800,
               "model_config": {**IMPROVED["model_config"], "lip_quadratic": 4}}
ROWS = {  # row name -> partial ExperimentConfig (Table 2's first and last rows, then ours)
    "convlstm": {"model": "lip2tongue_convlstm", "model_config": {"use_attention": False},
                 "train": _PAPER_TRAIN},
    "ts_cnn_lstm_att": {"model": "lip2tongue_ts_cnn_lstm",
                        "model_config": {"use_flow": True, "use_attention": True},
                        "train": _PAPER_TRAIN},
    # the improved setting; the demo corpus is a talker corpus, so its frame tower may also
    # regress the true lip parameters (the best row; configs/lip2tongue/demo_study also has
    # IMPROVED without them, within the CPU budget of a study rather than of the demo)
    "ts_cnn_lstm_att_eigen_auxlip_talker": {**IMPROVED, **TALKER_LIPS},
}
FULL = [
    "model_scale.lip2tongue_ts_cnn_lstm.tower_channels=[16,32,64]",
    "model_scale.lip2tongue_ts_cnn_lstm.tower_downsample=stride",
    "model_scale.lip2tongue_convlstm.hidden=[8,8,4]",
    "stride=2", "max_val_clips=300", "eval.max_frames=300",
]
PAPER_WIDTHS = {"feat_dim": 128, "lstm_hidden": 128}  # the paper row's reduced widths
QUICK = ["tiny=true", "train.max_steps=2", "train.epochs=1", "train.batch_size=4",
         "max_val_clips=16", "eval.max_frames=24", "eval.n_samples=4"]
COMMON = ["train.device=cpu", "train.progress=false"]


def prepared_dataset(out: Path, corpus: Path) -> Path:
    """The demo corpus prepared for lip2tongue under out/lip2tongue/prepared (made once)."""
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings

    prepared = out / "lip2tongue" / "prepared"
    if not (prepared / "manifest.json").is_file():
        prepare(corpus, prepared, Settings(image_size=IMAGE_SIZE), workers=1, overwrite=True)
    return prepared


def write_experiment(folder: Path, quick: bool) -> Path:
    """The demo's experiment file (and its row files) in `folder`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, row in ROWS.items():
        if name == "ts_cnn_lstm_att" and not quick:
            row = {**row, "model_config": {**row["model_config"], **PAPER_WIDTHS}}
        if quick:  # the tiny presets: the improved rows' widths do not apply
            row = {k: v for k, v in row.items() if k not in ("model_config", "train")}
            row["model_config"] = {k: v for k, v in ROWS[name]["model_config"].items()
                                   if k.startswith("use_")}
            if "aux_lip_pretrain_steps" in row:
                row["aux_lip_pretrain_steps"] = 2
        text = yaml.safe_dump({"task": "lip2tongue", "name": name, **row}, sort_keys=False)
        atomic_write_text(folder / f"{name}.yaml", text)
    exp = {"task": "lip2tongue", "description": "artimap demo: ConvLSTM vs TS-CNN-LSTM",
           "runs": [{"config": f"{name}.yaml"} for name in ROWS], "seeds": 1,
           "scale": [*(QUICK if quick else FULL), *COMMON]}
    path = folder / "experiment.yaml"
    atomic_write_text(path, yaml.safe_dump(exp, sort_keys=False))
    return path


def demo_step(report: Report, out: Path, corpus: Path, quick: bool) -> None:
    """Append the lip2tongue section to `report` (see the module doc); work goes under out/."""
    from artimap.experiment import run_experiment

    out = Path(out)
    folder = out / "lip2tongue" / ("demo-quick" if quick else "demo")
    # one thread per run: these small models gain 1.3x in wall time from a second core for
    # 1.3x more CPU, and the table is then the same on every machine (and seed 0 of the demo
    # study); the three runs train side by side, one process per core (up to three)
    with torch_threads(1):
        prepared = prepared_dataset(out, Path(corpus))
        result = run_experiment(write_experiment(folder, quick), folder / "out",
                                data=str(prepared), workers=min(3, default_workers()))
    runs = Path(result["out"])
    n_frames = (read_eval(runs / "ts_cnn_lstm_att" / "seed0") or {}).get("n_frames", "?")
    report.heading("lip2tongue: ultrasound tongue images from lip video")
    report.text(
        "ConvLSTM baseline and TS-CNN-LSTM (frames + optical flow, LSTM, attention) as in the "
        f"paper, trained on the demo corpus's train split ({IMAGE_SIZE} x {IMAGE_SIZE} lip "
        "crops, clips of 7 frames, the raw ultrasound frame of the clip's last lip frame, "
        "128 x 64), "
        + ("2 steps each with tiny models (quick mode: the numbers mean nothing)" if quick else
           "reduced widths, 2 epochs each")
        + "; then the improved TS-CNN-LSTM (8 features per frame, LSTM 32, a 32-unit code "
        "decoded by eigentongues, loss on blurred targets, 6 epochs, output layer refitted by "
        "ridge on validation) whose frame tower also regresses the true lip parameters "
        "(talker corpora only; first alone on single frames, and the readout may add a "
        f"quadratic term on those lip estimates); scored on {n_frames} test frames. R2 "
        "(blurred) is r2_speckle_free: R^2 after a Gaussian blur of 3 px (the tongue, not "
        "the speckle); "
        "'gap closed' is the share of the R2 gap from the training mean to the lip oracle. "
        "References: train_mean (the floor), ridge_lip_pixels (ridge from the lip pixels), "
        "lip_oracle (ridge from the TRUE lip parameters: what the lips can tell), state_oracle "
        "(from the TRUE tongue state), nearest_neighbour. The paper (Liu & Zhang 2021) trained "
        "full-size models on real SSC data: compare the ordering, not the values.")
    add_runs(report, find_runs(runs), level=3)
