"""`artimap demo` end to end on the tiny preset in quick mode: the corpus, every task step, one
self-contained report; a rerun reuses the finished runs. Talker B's engine is hidden, so the
audio step only says how to install it (the same here with or without the extra; the step with
the engine is tested in extras/artimap-vtl/tests)."""

from __future__ import annotations

import base64
import re

import artimap.synth.engines as engines
from artimap.demo import DEMO_STEPS, run_demo


def _section(html: str, heading: str) -> str:
    start = html.index(f"<h2>{heading}")
    end = html.find("<h2>", start + 4)
    return html[start:end if end > 0 else len(html)]


def test_demo_report_has_the_lip2tongue_table_and_figure(tmp_path, monkeypatch):
    assert "artimap.tasks.lip2tongue.demo:demo_step" in DEMO_STEPS
    monkeypatch.setattr(engines, "entry_points", lambda group: [])
    path = run_demo(tmp_path, preset="tiny", quick=True)
    html = path.read_text(encoding="utf-8")
    l2t = _section(html, "lip2tongue")
    assert l2t.count("<table>") == 2  # results (+ reference rows), provenance
    for row in ("convlstm", "ts_cnn_lstm_att", "train_mean", "nearest_neighbour"):
        assert f"<td>{row}</td>" in l2t
    assert "<td>0.728</td>" in l2t and "<td>4.953</td>" in l2t  # published beside ours
    assert "git_commit" in l2t and "config.yaml of convlstm seed0" in l2t
    cells = re.findall(r"<td>([0-9.]+)</td>", l2t)
    assert len(cells) >= 4 * 5  # SSIM, CW-SSIM x2, MSD for every row, plus the paper's
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", l2t).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    timing = _section(html, "Timing")
    assert "make setup-vtl" in _section(html, "audio2tongue")
    for step in ("corpus", "phone2face", "lip2tongue", "audio2tongue"):
        assert re.search(rf"<td>{step}</td><td>[0-9.]+</td><td>[0-9.]+</td>", timing)

    runs = tmp_path / "lip2tongue" / "demo-quick" / "out"
    best = {r: (runs / r / "seed0" / "best.pt").stat().st_mtime_ns
            for r in ("convlstm", "ts_cnn_lstm_att")}
    again = run_demo(tmp_path, preset="tiny", quick=True).read_text(encoding="utf-8")
    assert {r: (runs / r / "seed0" / "best.pt").stat().st_mtime_ns for r in best} == best
    assert _section(again, "lip2tongue").split("<figure>")[0] == l2t.split("<figure>")[0]
