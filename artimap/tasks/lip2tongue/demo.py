"""The lip2tongue section of `artimap demo`: prepare the demo corpus, train the rows of
configs/lip2tongue/demo_study/demo.yaml (the ConvLSTM baseline, the full TS-CNN-LSTM with
attention as in the paper, and the improved setting with lip supervision; seed 0) for a few
CPU minutes, put Table 2 beside the paper with the floor, baseline and oracles.

    out/lip2tongue/prepared/                 32 x 32 lip crops (paper: 96), 128 x 64 raw
                                             scanline targets, Farneback flow (made once)
    out/lip2tongue/demo[-quick]/out/<row>/seed0/   run dirs, evaluated on the test split
    out/lip2tongue/demo[-quick]/out/summary.md, figures/figure2_grid.png

The runs go through `artimap.experiment`, so a rerun skips every evaluated run and resumes an
interrupted one. Quick mode (tests, first tries): the experiment's smoke overrides (the models'
tiny presets under the rows' widths, 2 training steps each).
"""

from __future__ import annotations

from pathlib import Path

from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings
from artimap.data.prepared import is_prepared
from artimap.experiment import run_experiment, shipped
from artimap.parallel import default_workers, torch_threads
from artimap.report import Report
from artimap.report_build import add_runs
from artimap.rundir import read_eval
from artimap.runfind import find_runs

IMAGE_SIZE = 32  # lip crop side of the demo dataset
EXPERIMENT = "lip2tongue/demo_study/demo.yaml"  # the demo's rows (under configs/)


def prepared_dataset(out: Path, corpus: Path) -> Path:
    """The demo corpus prepared for lip2tongue under out/lip2tongue/prepared (made once)."""

    prepared = out / "lip2tongue" / "prepared"
    if not is_prepared(prepared):
        prepare(corpus, prepared, Settings(image_size=IMAGE_SIZE), workers=1, overwrite=True)
    return prepared


def demo_step(report: Report, out: Path, corpus: Path, quick: bool) -> None:
    """Append the lip2tongue section to `report` (see the module doc); work goes under out/."""
    out = Path(out)
    folder = out / "lip2tongue" / ("demo-quick" if quick else "demo")
    # one thread per run: these small models gain 1.3x in wall time from a second core for
    # 1.3x more CPU, and the table is then the same on every machine (and seed 0 of the demo
    # study); the three runs train side by side, one process per core (up to three)
    with torch_threads(1):
        prepared = prepared_dataset(out, Path(corpus))
        result = run_experiment(shipped(EXPERIMENT), folder / "out", seeds=1, smoke=quick,
                                data=str(prepared), workers=min(3, default_workers()))
    runs = Path(result["out"])
    rows = {spec.name: spec.config for spec in result["specs"]}
    paper, improved = rows["ts_cnn_lstm_att"], rows["ts_cnn_lstm_att_eigen_auxlip_talker"]
    n_frames = (read_eval(runs / "ts_cnn_lstm_att" / "seed0") or {}).get("n_frames", "?")
    mc = improved.model_config
    report.heading("lip2tongue: ultrasound tongue images from lip video")
    report.text(
        "ConvLSTM baseline and TS-CNN-LSTM (frames + optical flow, LSTM, attention) as in the "
        f"paper, trained on the demo corpus's train split ({IMAGE_SIZE} x {IMAGE_SIZE} lip "
        f"crops, clips of {paper.clip_len} frames, the raw ultrasound frame of the clip's "
        f"{paper.target_position} lip frame, 128 x 64), "
        + (f"{paper.train.max_steps} steps each with tiny models (quick mode: the numbers mean "
           "nothing)" if quick else f"reduced widths, {paper.train.epochs} epochs each")
        + f"; then the improved TS-CNN-LSTM ({mc['feat_dim']} features per frame, LSTM "
        f"{mc['lstm_hidden']}, a {improved.eigentongue_k}-unit code decoded by eigentongues, "
        f"loss on targets blurred by {improved.loss_blur_sigma:g} px, {improved.train.epochs} "
        f"epochs, output layer refitted by {improved.readout} on validation) whose frame tower "
        "also regresses the true lip parameters "
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
