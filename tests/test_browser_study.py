"""A rating study end to end: make it from a tiny experiment (three rows), serve it, rate it in
a real headless browser as two raters (the second stops halfway and resumes), then check the
database and `artimap study analyse`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from browser import broken_images, chrome, free_port, serving, severe
from conftest import smoke_config
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from artimap.cli import main

ROWS = {"full": [], "convlstm": ["model=lip2tongue_convlstm"],
        "no_attention": ["model_config.use_attention=false"]}
FRAMES = 4


@pytest.fixture(scope="module")
def experiment(l2t_prepared, tmp_path_factory) -> Path:
    """Three tiny evaluated lip2tongue rows, laid out like an experiment's output folder."""
    from artimap.tasks.registry import train_run

    out = tmp_path_factory.mktemp("study_exp") / "out"
    for name, sets in ROWS.items():
        module, cfg = smoke_config(l2t_prepared, f"name={name}", *sets)
        train_run(module, cfg, out / name / "seed0")
        module.evaluate_run(out / name / "seed0", "test")
    return out


def _gone(old):
    """A wait condition: `old` is detached. Besides the stale-element error, Chrome may answer
    "Node with given id does not belong to the document" for a node of a document being
    replaced: detached as well (selenium's staleness_of lets that error through)."""
    def check(_driver) -> bool:
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    return check


def _next_page(driver, old) -> None:
    """Wait until `old` (an element of the page being left) is gone and the new page has
    finished loading, so no element is taken from a document being replaced."""
    WebDriverWait(driver, 30).until(_gone(old))
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def _rate(driver, rng, pages: int) -> list[str]:
    """Answer `pages` pages with random scores; returns their headings."""
    seen = []
    for _ in range(pages):
        heading = driver.find_element(By.TAG_NAME, "h1")
        seen.append(heading.text)
        assert broken_images(driver) == []
        labels = [e.get_attribute("alt") for e in driver.find_elements(By.CSS_SELECTOR, "img.pred")]
        assert labels == ["A", "B", "C"]  # method names never shown
        for label in labels:
            score = int(rng.integers(1, 6))
            driver.find_element(By.CSS_SELECTOR,
                                f"input[name=slot{label}][value='{score}']").click()
        driver.find_element(By.ID, "submit").click()
        _next_page(driver, heading)
    return seen


def _enter(driver, base: str, rater: str) -> None:
    driver.get(base + "/")
    driver.find_element(By.ID, "rater").send_keys(rater)
    begin = driver.find_element(By.ID, "begin")
    begin.click()
    _next_page(driver, begin)


def test_study_make_serve_rate_resume_analyse(experiment, tmp_path, capsys):
    study = tmp_path / "study"
    assert main(["study", "make", str(experiment), "--frames", str(FRAMES),
                 "--out", str(study)]) == 0
    port = free_port()
    rng = np.random.default_rng(0)
    with serving(["study", "serve", str(study), "--port", str(port)], port, tmp_path) as base, \
            chrome() as driver:
        _enter(driver, base, "r1")
        assert _rate(driver, rng, FRAMES) == [f"Frame {i} of {FRAMES}" for i in (1, 2, 3, 4)]
        assert driver.find_element(By.ID, "done").text == "Thank you"

        _enter(driver, base, "r2")
        _rate(driver, rng, 2)
        stop = driver.find_element(By.ID, "stop")
        stop.click()  # stops halfway ...
        _next_page(driver, stop)
        with sqlite3.connect(study / "ratings.sqlite") as con:
            assert con.execute("SELECT COUNT(*) FROM ratings WHERE rater='r2'").fetchone()[0] == 6
        _enter(driver, base, "r2")  # ... and resumes on the third frame
        assert _rate(driver, rng, 2) == [f"Frame {i} of {FRAMES}" for i in (3, 4)]
        assert driver.find_element(By.ID, "done").text == "Thank you"
        assert severe(driver) == []

    with sqlite3.connect(study / "ratings.sqlite") as con:
        rows = con.execute("SELECT rater, frame, method, score FROM ratings").fetchall()
    assert len(rows) == 2 * FRAMES * len(ROWS)
    assert {(r, f, m) for r, f, m, _ in rows} == {
        (r, f, m) for r in ("r1", "r2") for f in range(FRAMES) for m in ROWS}
    assert all(1 <= s <= 5 for *_, s in rows)

    capsys.readouterr()
    assert main(["study", "analyse", str(study)]) == 0
    out = capsys.readouterr().out
    for name in ROWS:
        scores = np.array([s for _, _, m, s in rows if m == name], float)
        assert f"{name}: {scores.mean():.2f} ± {scores.std(ddof=1):.2f} (8 scores)" in out
    assert "Kendall's W: " in out and (study / "analysis.html").is_file()
    html = (study / "analysis.html").read_text(encoding="utf-8")
    assert "Friedman test: chi²" in html and "p (Holm)" in html
