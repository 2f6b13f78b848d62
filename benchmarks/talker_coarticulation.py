"""One figure per coarticulation rule of the virtual talker: lip aperture and tongue-body height
of the same sentence (utterance --utterance of speaker 1 of the demo corpus at --seed, its
first --span seconds of speech; the default has /b p/ closures and rounded /y w/), the rule's
curves in colour over the other rules' in grey, phone boundaries marked.
Usage: python benchmarks/talker_coarticulation.py [--seed 0] [--utterance 2] [--span 1.4]
    [--out DIR]
writes DIR/talker_coarticulation_<rule>.png (default DIR: benchmarks/figures)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from artimap import plots
from artimap.synth.coartic import articulate
from artimap.synth.phones import PARAMS
from artimap.synth.presets import ARTIC_FPS, COARTICULATIONS, get_preset
from artimap.synth.sentences import make_script
from artimap.synth.speaker import STREAMS, make_speaker, stream_rng

SHOWN = ("lip_aperture", "tongue_body_height")


def trajectories(seed: int, index: int) -> tuple[dict[str, np.ndarray], object]:
    """{rule: state (T, 2) of SHOWN at ARTIC_FPS}, and the script of utterance `index`."""
    sp = make_speaker(1, seed)
    script = make_script(stream_rng(seed, STREAMS["sentence"], 1, index),
                         get_preset("demo").speech_s, sp.rate, sp.ult_first_frame)
    cols = [PARAMS.index(p) for p in SHOWN]
    return {rule: articulate(script, sp, stream_rng(seed, STREAMS["artic"], 1, index), ARTIC_FPS,
                             coarticulation=rule)[:, cols]
            for rule in COARTICULATIONS}, script  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--utterance", type=int, default=2, help="1-based utterance index")
    ap.add_argument("--span", type=float, default=1.4, help="seconds of speech shown")
    ap.add_argument("--out", default=str(Path(__file__).parent / "figures"))
    args = ap.parse_args()
    states, script = trajectories(args.seed, args.utterance)
    lo = float(script.ends[0]) - 0.05  # from just before the first spoken phone
    hi = lo + args.span
    t = np.arange(len(states["dominance"])) / ARTIC_FPS
    keep = (t >= lo) & (t < hi)
    spans = [(max(float(s), lo), min(float(e), hi), p) for s, e, p
             in zip(script.starts, script.ends, script.phones, strict=True) if e > lo and s < hi]
    for rule in COARTICULATIONS:
        fig = plots.trajectories_with_phones(t[keep], states[rule][keep], SHOWN, spans)
        for i, ax in enumerate(fig.axes):
            for other in COARTICULATIONS:
                if other != rule:
                    ax.plot(t[keep], states[other][keep, i], color="#999", lw=0.8, zorder=1)
            ax.set_xlim(lo, hi)
            ax.set_ylim(-0.02, 1.0)
        fig.suptitle(f"coarticulation = {rule} (grey: the other rules)", y=0.99, fontsize=9)
        path = Path(args.out) / f"talker_coarticulation_{rule}.png"
        fig.set_size_inches(9, 3.2)
        fig.savefig(path, dpi=90, bbox_inches="tight")
        print(path)


if __name__ == "__main__":
    main()
