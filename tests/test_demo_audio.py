"""The demo's audio step without talker B's engine: one paragraph saying how to install it, no
work and no files (the step with the engine is tested in extras/artimap-vtl/tests)."""

from __future__ import annotations

import time

import artimap.synth.engines as engines
from artimap.demo import DEMO_STEPS
from artimap.experiment import plan, shipped
from artimap.report import Report
from artimap.tasks.audio2tongue.demo import EXPERIMENT, demo_step


def test_without_the_engine_the_step_says_how_to_get_it(monkeypatch, tmp_path):
    assert DEMO_STEPS[-1] == "artimap.tasks.audio2tongue.demo:demo_step"
    monkeypatch.setattr(engines, "entry_points", lambda group: [])
    report = Report("demo")
    started = time.time()
    demo_step(report, tmp_path, tmp_path / "corpus", quick=False)
    assert time.time() - started < 1.0
    html = "\n".join(report.parts)
    assert "<h2>audio2tongue" in html and "<table>" not in html
    assert "make setup-vtl" in html and "pip install -e extras/artimap-vtl" in html
    assert list(tmp_path.iterdir()) == []


def test_the_audio_rows_are_shipped_configs():
    _, _, specs = plan(shipped(EXPERIMENT), "unused", smoke=False)
    assert [s.name for s in specs] == ["small", "small_causal"]
