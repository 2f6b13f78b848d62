"""The report of a tiny run in a real (headless) browser: no console error, every figure
decodes, the results table has the model's row and the reference rows."""

from __future__ import annotations

from browser import broken_images, chrome, severe

from artimap.report_build import build_report


def test_report_of_a_tiny_run_loads_cleanly(l2t_run, tmp_path):
    path = build_report(l2t_run).write(tmp_path / "report.html")
    with chrome() as driver:
        driver.get(path.resolve().as_uri())
        assert driver.title.startswith("artimap report")
        assert severe(driver) == []
        assert driver.execute_script("return document.images.length") >= 2  # loss, Figure 2
        assert broken_images(driver) == []
        first_cells = driver.execute_script(
            "return Array.from(document.querySelector('table').tBodies[0].rows)"
            ".map(r => r.cells[0].textContent);")
        assert first_cells == ["smoke", "train_mean", "nearest_neighbour", "ridge_lip_pixels",
                               "lip_oracle", "state_oracle"]
        headers = driver.execute_script(
            "return Array.from(document.querySelectorAll('table')[0].tHead.rows[0].cells)"
            ".map(c => c.textContent);")
        assert {"SSIM", "CW-SSIM (pyssim)", "MSD (px)", "best epoch"} <= set(headers)
