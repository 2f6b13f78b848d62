"""`artimap bench synth_coarticulation`: the talker's speed under each coarticulation rule.

Two measurements per rule of `artimap.synth.presets.COARTICULATIONS`:
- the articulation alone (the rule's own cost): the trajectories (1 kHz) of the demo preset's
  sentences of speaker 1, seed 0, the rules timed in interleaved rounds (`bench.timing.compare`),
  as x real time per CPU second and the median time relative to "dominance";
- the whole corpus, `artimap bench synth` with that rule (demo preset, one worker), which
  renders and writes every stream the articulation drives.
"""

from __future__ import annotations

import argparse

from artimap.bench import synth
from artimap.bench.timing import compare
from artimap.synth.coartic import articulate
from artimap.synth.presets import ARTIC_FPS, COARTICULATIONS, get_preset
from artimap.synth.sentences import Script, make_script
from artimap.synth.speaker import STREAMS, make_speaker, stream_rng


def _sentences(utterances: int) -> list[tuple[Script, tuple[int, ...]]]:
    """(script, artic rng seed keys) of the demo preset's first `utterances` sentences."""
    sp = make_speaker(1, 0)
    return [(make_script(stream_rng(0, STREAMS["sentence"], 1, i), get_preset("demo").speech_s,
                         sp.rate, sp.ult_first_frame), (0, STREAMS["artic"], 1, i))
            for i in range(1, utterances + 1)]  # fmt: skip


def bench_articulation(quick: bool) -> dict:
    """x real time per CPU second of the articulation alone, per rule (see the module doc)."""
    sp, scripts = make_speaker(1, 0), _sentences(4 if quick else 40)
    speech = sum(s.duration for s, _ in scripts)

    def run(rule: str):
        return lambda: [articulate(s, sp, stream_rng(*keys), ARTIC_FPS, coarticulation=rule)
                        for s, keys in scripts]  # fmt: skip

    cmp = compare({r: run(r) for r in COARTICULATIONS}, rounds=2 if quick else 5,
                  baseline="dominance")  # fmt: skip
    return {
        "bench": "synth_articulation", "utterances": len(scripts), "speech_s": round(speech, 2),
        "rounds": cmp.rounds, "artic_fps": ARTIC_FPS,
        "x_realtime_per_cpu_s": {r: round(speech / cmp[r].cpu_min_s, 1) for r in COARTICULATIONS},
        "median_vs_dominance": {r: round(cmp.ratio(r), 3) for r in COARTICULATIONS},
    }  # fmt: skip


def bench_synth_coarticulation(args: argparse.Namespace) -> list[dict]:
    """The articulation row, then one `bench_synth` row per rule (order of COARTICULATIONS)."""
    rows = [bench_articulation(bool(getattr(args, "quick", False)))]
    return rows + [synth.bench_synth(argparse.Namespace(**{**vars(args), "coarticulation": rule}))
                   for rule in COARTICULATIONS]  # fmt: skip
