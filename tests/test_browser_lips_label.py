"""`artimap lips label` in a real headless browser: place the 8 points of the first frame by
clicking, mark one point of the second frame not visible, save, and read the labels file."""

from __future__ import annotations

import numpy as np
from browser import chrome, free_port, serving, severe
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from test_lips import TINY, fake_mouth, fake_set

from artimap.io.video import write_video
from artimap.lips.data import POINTS
from artimap.lips.labels import match_labels
from artimap.lips.train import LipTrainConfig, train_lipnet
from artimap.lips.weights import save_lipnet

SCALE = 2  # the page draws frames at twice their size


def test_label_page_in_a_browser(tmp_path):
    model = tmp_path / "tiny.pt"
    save_lipnet(model, train_lipnet(fake_set(), TINY, LipTrainConfig(steps=2, batch=4)), {})
    video = tmp_path / "mouth.mp4"
    write_video(video, np.stack([fake_mouth(3 + i, 40)[0] for i in range(6)]), 60.0)
    few, port = tmp_path / "few.csv", free_port()
    clicks = np.array([[20, 30], [60, 30], [30, 27], [30, 33], [40, 26], [40, 34],
                       [50, 27], [50, 33]], float)
    args = ["lips", "label", str(video), "--out", str(few), "--frames", "3", "--port",
            str(port), "--no-browser", "--model", str(model)]
    with chrome() as driver, serving(args, port, tmp_path) as url:
        driver.get(url + "/")
        canvas = driver.find_element(By.ID, "cv")
        # the drawn frame: 80 x 60 px at SCALE, inside a 1 px border
        WebDriverWait(driver, 30).until(lambda d: canvas.size["width"] == 80 * SCALE + 2)
        assert canvas.size["height"] == 60 * SCALE + 2
        for x, y in clicks:  # offsets from the canvas centre
            ActionChains(driver).move_to_element_with_offset(
                canvas, int(x * SCALE - 40 * SCALE), int(y * SCALE - 30 * SCALE)).click().perform()
        driver.find_element(By.ID, "next").click()
        driver.find_element(By.ID, "blank").click()  # frame 2's leftLip: not visible
        driver.find_element(By.ID, "save").click()
        status = driver.find_element(By.ID, "status")
        WebDriverWait(driver, 30).until(lambda d: "saved" in status.text)
        assert "saved 3 frames (2 with all 8 points)" in status.text
        assert not severe(driver)
    where, pts = match_labels(few, list(range(6)))
    assert list(where) == [0, 2, 5]
    assert np.abs(pts[0] - clicks).max() < 1.5
    assert np.isnan(pts[1, POINTS.index("leftLip")]).all()
    assert np.isfinite(pts[2]).all()  # the model's starting points, untouched
