"""The audio section of `artimap demo`: tongue contours from talker B's speech. Talker B is the
VocalTractLab engine (a separately installed GPL-3 package, found through the `artimap.engines`
entry point as `artimap synth --engine vtl` finds it, never imported); without it the section
is one paragraph saying how to install it.

    out/audio2tongue/vtl.cache/                 the engine's per-utterance cache (a killed run
                                                resumes from it)
    out/audio2tongue/talker_b[-quick]/          16 utterances of the demo preset (quick: the
                                                tiny preset's 4)
    out/audio2tongue/prepared[-quick]/          contours in mm, split 60,20,20 (quick 50,25,25)
    out/audio2tongue/demo[-quick]/out/<row>/seed0/   the rows of configs/audio2tongue/demo_rows/
                                                experiment.yaml, evaluated on the test split

Everything finished is reused by a rerun. The rows train side by side, one process per core,
one thread each. Quick mode (tests, first tries): the experiment's smoke overrides (tiny models,
2 training steps).
"""

from __future__ import annotations

from pathlib import Path

from artimap.data.audio2tongue.prepare import prepare
from artimap.data.audio2tongue.utterance import Settings
from artimap.data.prepared import is_prepared
from artimap.experiment import run_experiment, shipped
from artimap.parallel import default_workers, torch_threads
from artimap.report import Report
from artimap.report_build import add_runs
from artimap.rundir import read_eval
from artimap.runfind import find_runs
from artimap.synth.engines import INSTALL, find_engine, installed_engines

ENGINE = "vtl"  # talker B
EXPERIMENT = "audio2tongue/demo_rows/experiment.yaml"  # the demo's rows (under configs/)
# (preset, utterances, split) of the talker-B corpus, full and quick
CORPUS = {False: ("demo", 16, (60.0, 20.0, 20.0)), True: ("tiny", 4, (50.0, 25.0, 25.0))}
HEADING = "audio2tongue: tongue contours from talker B's speech"


def talker_b_corpus(out: Path, quick: bool) -> Path:
    """Talker B's demo corpus under out/audio2tongue (made once, through the engine)."""
    root = out / "audio2tongue"
    corpus = root / ("talker_b-quick" if quick else "talker_b")
    if not (corpus / "corpus.json").is_file():
        preset, utterances, _ = CORPUS[quick]
        find_engine(ENGINE)(corpus, preset=preset, seed=0, speakers=1, utterances=utterances,
                            workers=default_workers(), overwrite=True, progress=False,
                            shard=None, cache=root / "vtl.cache")
    return corpus


def prepared_dataset(out: Path, corpus: Path, quick: bool) -> Path:
    """Talker B's corpus prepared for audio2tongue (contour targets in mm; made once)."""
    prepared = out / "audio2tongue" / ("prepared-quick" if quick else "prepared")
    if not is_prepared(prepared):
        prepare(corpus, prepared, Settings(target="contour"), split=CORPUS[quick][2],
                workers=default_workers(), overwrite=True)
    return prepared


def _missing_engine(report: Report) -> None:
    report.heading(HEADING)
    report.text(
        "Not run: this row needs talker B, the VocalTractLab engine, which is a separate "
        f"GPL-3 package (extras/artimap-vtl) that is not installed here. To add it, "
        f"{INSTALL[ENGINE]}, then rerun the demo with the same --out (finished work is "
        "reused).")


def demo_step(report: Report, out: Path, corpus: Path, quick: bool) -> None:
    """Append the audio2tongue section to `report` (see the module doc); work goes under out/.
    `corpus` (the built-in talker's) is not used: its audio is a buzz without formants."""
    if ENGINE not in installed_engines():
        _missing_engine(report)
        return
    out = Path(out)
    folder = out / "audio2tongue" / ("demo-quick" if quick else "demo")
    with torch_threads(1):  # models this small run fastest on one thread each
        prepared = prepared_dataset(out, talker_b_corpus(out, quick), quick)
        result = run_experiment(shipped(EXPERIMENT), folder / "out", seeds=1, smoke=quick,
                                data=str(prepared), workers=default_workers())
    runs = Path(result["out"])
    rows = {spec.name: spec.config for spec in result["specs"]}
    small, causal = rows["small"], rows["small_causal"]
    scored = read_eval(runs / "small" / "seed0") or {}
    preset, utterances, split = CORPUS[quick]
    report.heading(HEADING)
    report.text(
        f"Talker B (VocalTractLab: real synthesised speech whose formants move with the "
        f"tongue) speaks {utterances} utterances of the {preset} preset, split "
        f"{'/'.join(f'{s:g}' for s in split)} % by utterance; the targets are its true "
        "midsagittal tongue contours in mm at the ultrasound frames, predicted from log-mel "
        f"frames. small: a BiLSTM ({small.model_config.get('hidden', '?')} units, 1 layer) over "
        f"windows of {small.seq_len} mel frames; small_causal: the same as a forward LSTM "
        f"that hears {causal.model_config.get('lookahead', '?')} frames (10 ms each) ahead; "
        + (f"{small.train.max_steps} steps each with tiny models (quick mode: the numbers mean "
           "nothing)" if quick else f"up to {small.train.epochs} epochs each (early stopping "
                                    "on the validation split)")
        + f"; scored on {scored.get('n_frames', '?')} frames of "
        f"{scored.get('n_utterances', '?')} test utterance(s). Point error (mm): the mean "
        "distance between predicted and true contour points. References: train_mean (the "
        "floor), ridge_mel (ridge from log-mel frames around the frame: the simple baseline), "
        "phone_oracle (from the TRUE phones and their timing: what the phone sequence alone "
        "tells), "
        "state_oracle (from the TRUE articulatory state: the ceiling); gap closed = the share "
        "of the floor -> ceiling point-error gap a row closes. A row above phone_oracle reads "
        "more from the sound than which phone is said.")
    add_runs(report, find_runs(runs), level=3)
