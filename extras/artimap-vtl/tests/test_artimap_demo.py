"""artimap's demo with talker B installed: its audio step finds this engine by entry point,
makes its corpus (here from the session's cached tiny utterances), trains the audio rows in
quick mode and reports them beside the floor, the ridge, the phone oracle and the ceiling,
with the contour figure; a rerun reuses everything."""

from __future__ import annotations

import base64
import os
import re
import shutil

from artimap.report import Report
from artimap.tasks.audio2tongue.demo import demo_step


def test_demo_audio_step_with_talker_b(tiny, tmp_path):
    # the tiny utterances made once for this session stand in for the demo's own cache
    shutil.copytree(tiny["cache"], tmp_path / "audio2tongue" / "vtl.cache",
                    copy_function=os.link)
    report = Report("demo")
    demo_step(report, tmp_path, tmp_path / "unused", quick=True)
    html = "\n".join(report.parts)
    assert "<h2>audio2tongue" in html and "setup-vtl" not in html
    for row in ("small", "small_causal", "train_mean", "ridge_mel", "phone_oracle",
                "state_oracle"):
        assert f"<td>{row}</td>" in html
    assert "gap closed" in html and "height of contour point" in html
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    corpus = tmp_path / "audio2tongue" / "talker_b-quick" / "corpus.json"
    runs = tmp_path / "audio2tongue" / "demo-quick" / "out"
    made = {p: p.stat().st_mtime_ns for p in (corpus, runs / "small" / "seed0" / "best.pt",
                                              runs / "small_causal" / "seed0" / "best.pt")}
    again = Report("demo")
    demo_step(again, tmp_path, tmp_path / "unused", quick=True)
    assert {p: p.stat().st_mtime_ns for p in made} == made
    assert [p for p in again.parts if "<table>" in p][0] == [p for p in report.parts
                                                              if "<table>" in p][0]
