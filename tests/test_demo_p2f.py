"""The phone2face demo step: Table 1, the two models beside the paper, the trajectory figure;
a rerun reuses the prepared data, the bases and the trained runs."""

from __future__ import annotations

import base64
import json
import re

import pytest

from artimap.demo import DEMO_STEPS
from artimap.errors import ArtimapError
from artimap.report import Report
from artimap.tasks.phone2face.demo import demo_step, prepared_dataset


def test_demo_step_reports_tables_and_figure_and_reuses_work(talker_tiny, tmp_path):
    assert "artimap.tasks.phone2face.demo:demo_step" in DEMO_STEPS
    report = Report("demo")
    demo_step(report, tmp_path, talker_tiny, quick=True)
    html = "\n".join(report.parts)
    assert html.count("<table>") == 3 and "Table 1" in html  # bases, results, provenance
    for row in ("<td>pca</td>", "<td>blendshape</td>", "<td>autoencoder</td>",
                "<td>baseline</td>", "<td>pca_injected</td>", "<td>pca_injected_timing</td>",
                "<td>dominance</td>"):
        assert row in html
    assert "0.33" in html and "0.95" in html and "1.3 mm" in html  # published beside ours
    # the floor, the simple baseline and the ceiling beside the models, and the visual-speech
    # columns
    for row in ("<td>mean_face</td>", "<td>ridge_phones</td>", "<td>oracle</td>",
                "<td>gap closed</td>",
                "<td>closure hit</td>"):
        assert row in html.replace("<th>", "<td>").replace("</th>", "</td>")
    assert "Inter-lip distance" in html
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"

    runs = tmp_path / "phone2face" / "demo-quick" / "out"  # the experiment runner's layout
    assert (runs / "results.csv").is_file()
    best = {r: (runs / r / "seed0" / "best.pt").stat().st_mtime_ns
            for r in ("baseline", "pca_injected", "pca_injected_timing", "dominance")}
    again = Report("demo")
    demo_step(again, tmp_path, talker_tiny, quick=True)
    assert {r: (runs / r / "seed0" / "best.pt").stat().st_mtime_ns for r in best} == best
    assert [p for p in again.parts if "<table>" in p] == [p for p in report.parts
                                                           if "<table>" in p]


def test_a_folder_prepared_at_another_rate_is_refused(talker_tiny, tmp_path):
    prepared = prepared_dataset(tmp_path, talker_tiny)
    manifest = json.loads((prepared / "manifest.json").read_text())
    (prepared / "manifest.json").write_text(json.dumps({**manifest, "rate": 30.0}))
    with pytest.raises(ArtimapError, match="30.0 fps by an earlier demo"):
        prepared_dataset(tmp_path, talker_tiny)
