"""Generate a whole virtual-talker corpus on disk, in parallel, all or nothing.

Utterances are rendered and written by a process pool (`workers`), each from its own random
streams, so the bytes do not depend on the number of workers. Everything goes into a
temporary folder that becomes `out` only when the last file and `corpus.json` are written.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import FIRST_EXCEPTION, wait
from pathlib import Path

from tqdm import tqdm

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_dir, atomic_write_json
from artimap.parallel import worker_pool
from artimap.synth.coartic import check_coarticulation
from artimap.synth.presets import Preset, get_preset
from artimap.synth.utterance import synthesize_utterance
from artimap.synth.writer import corpus_meta, write_utterance

Job = tuple[int, int, int, Preset, str, str]  # speaker, utterance, seed, preset, root, rule


def make_one(job: Job) -> tuple[dict, dict, dict]:
    """Render and write one utterance: (corpus.json entry, render seconds per stage, write
    seconds per file kind)."""
    speaker, index, seed, preset, root, coarticulation = job
    render: dict[str, float] = {}
    write: dict[str, float] = {}
    utt = synthesize_utterance(speaker, index, seed, preset, render, coarticulation)
    entry = write_utterance(utt, Path(root), timings=write)
    return entry, render, write


def _run_serial(jobs: list[Job], bar) -> list[tuple[dict, dict, dict]]:
    results = []
    for job in jobs:
        results.append(make_one(job))
        bar.update(1)
    return results


def _run_pool(jobs: list[Job], workers: int, bar) -> list[tuple[dict, dict, dict]]:
    with worker_pool(workers) as pool:
        futures = [pool.submit(make_one, job) for job in jobs]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            bar.update(len(done))
            failed = [f for f in done if f.exception() is not None]
            if failed:
                for f in pending:
                    f.cancel()
                raise failed[0].exception()
        return [f.result() for f in futures]


def generate_corpus(
    out: str | Path,
    preset: str = "tiny",
    seed: int = 0,
    speakers: int | None = None,
    utterances: int | None = None,
    workers: int = 1,
    overwrite: bool = False,
    progress: bool = True,
    timings: dict | None = None,
    coarticulation: str = "dominance",
) -> dict:
    """Write a corpus to `out`; return its corpus.json content.

    `speakers`/`utterances` (per speaker) override the preset's counts. `timings`, if given,
    receives the wall time and the seconds spent per render stage and per file kind.
    `coarticulation` is the talker's rule (`coartic.COARTICULATIONS`), kept in corpus.json.
    """

    cfg = get_preset(preset, speakers, utterances)
    check_coarticulation(coarticulation)
    if workers < 1:
        raise ArtimapError(f"--workers must be at least 1, got {workers}")
    start = time.perf_counter()
    with atomic_dir(out, overwrite=overwrite, marker="corpus.json") as tmp:
        jobs = [(s, u, int(seed), cfg, str(tmp), coarticulation)
                for s in range(1, cfg.speakers + 1)
                for u in range(1, cfg.utterances + 1)]  # fmt: skip
        with tqdm(total=len(jobs), file=sys.stderr, disable=not progress, unit="utt",
                  desc=f"synth {cfg.name}") as bar:  # fmt: skip
            if workers == 1 or len(jobs) == 1:
                results = _run_serial(jobs, bar)
            else:
                results = _run_pool(jobs, min(workers, len(jobs)), bar)
        meta = corpus_meta(cfg, int(seed), [r[0] for r in results], coarticulation)
        atomic_write_json(tmp / "corpus.json", meta)
    if timings is not None:
        timings["wall_s"] = time.perf_counter() - start
        timings["render"] = _sum_stages([r[1] for r in results])
        timings["write"] = _sum_stages([r[2] for r in results])
    return meta


def _sum_stages(rows: list[dict]) -> dict[str, float]:
    total: dict[str, float] = {}
    for row in rows:
        for key, value in row.items():
            total[key] = total.get(key, 0.0) + value
    return total
