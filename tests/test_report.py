"""The HTML report is self-contained and escapes what it shows."""

from __future__ import annotations

import base64
import re

import numpy as np

from artimap import plots
from artimap.report import Report


def test_report_embeds_figures_and_tables(tmp_path):
    rep = Report("Demo <1>")
    rep.heading("Table")
    rep.table(["method", "ssim"], [["a<b", 0.123456], ["c", 1]])
    img = np.tile(np.arange(64, dtype=np.uint8), (32, 1))
    rep.figure(plots.image_with_points(img, np.array([[1.0, 2.0], [30.0, 20.0]])), "fig")
    path = rep.write(tmp_path / "r.html")
    text = path.read_text()
    assert "Demo &lt;1&gt;" in text and "a&lt;b" in text and "0.1235" in text
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "src=\"http" not in text  # nothing fetched from elsewhere
