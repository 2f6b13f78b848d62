"""The demo: make the virtual-talker demo corpus and write a report about it.

    artimap demo --out demo_out      ->  demo_out/corpus/ and demo_out/report.html

Reruns reuse a finished corpus. Task sections (training results) are appended by the task
modules' demo steps listed in DEMO_STEPS, each reading and writing only below `out`.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from artimap.corpus_report import corpus_section
from artimap.report import Report
from artimap.synth.corpus import generate_corpus

# "module:function" steps run after the corpus section; each takes (report, out_dir, corpus_dir,
# quick) and appends its sections to the report.
DEMO_STEPS: tuple[str, ...] = ("artimap.tasks.phone2face.demo:demo_step",
                               "artimap.tasks.lip2tongue.demo:demo_step",
                               "artimap.tasks.audio2tongue.demo:demo_step")


def run_demo(
    out: str | Path, preset: str = "demo", seed: int = 0, workers: int = 1, quick: bool = False
) -> Path:
    """Build (or reuse) the demo corpus under `out`, run the demo steps, write report.html."""
    out = Path(out)
    corpus = out / "corpus"
    started = time.time()
    clock = _Clock()
    if not (corpus / "corpus.json").exists():
        generate_corpus(corpus, preset=preset, seed=seed, workers=workers)
    clock.lap("corpus")
    report = Report("artimap demo: the virtual talker")
    corpus_section(report, corpus)
    for step in DEMO_STEPS:
        module, func = step.split(":")
        getattr(importlib.import_module(module), func)(report, out, corpus, quick)
        clock.lap(module.split(".")[-2])
    report.heading("Timing")
    report.table(["step", "wall s", "CPU s"], clock.rows,
                 caption="Time per demo step (a rerun reuses finished work; CPU counts this "
                         "process and its worker processes: the steps train their rows side "
                         "by side, one process per core)")
    report.text(f"Report written in {time.time() - started:.0f} s.", note=True)
    return report.write(out / "report.html")


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished (waited-for) child processes (children
    only where the platform reports them: not on Windows)."""
    try:
        # deferred: optional dependency, imported only when this is used
        import resource
    except ImportError:  # pragma: no cover - Windows
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU seconds of consecutive steps: rows [name, wall, cpu]."""

    def __init__(self) -> None:
        self.rows: list[list] = []
        self._wall, self._cpu = time.time(), _cpu_seconds()

    def lap(self, name: str) -> None:
        wall, cpu = time.time(), _cpu_seconds()
        self.rows.append([name, round(wall - self._wall, 1), round(cpu - self._cpu, 1)])
        self._wall, self._cpu = wall, cpu
