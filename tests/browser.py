"""A headless Chromium driven by selenium through the system chromedriver, for the browser
tests. Nothing is downloaded: the driver's path is given, so selenium-manager is not asked."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chrome() -> Iterator:
    """A headless Chromium WebDriver that keeps the console log; skips the test when Chromium
    or its driver is not installed (`apt-get install chromium chromium-driver`)."""
    binary = chromium_binary()
    if binary is None or not Path(CHROMEDRIVER).is_file():
        pytest.skip("chromium and chromium-driver are not installed "
                    "(apt-get install -y chromium chromium-driver; .ci/run does it in CI)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium-manager fetch anything
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,900"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.implicitly_wait(15)  # a loaded machine may render the next page late
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def severe(driver) -> list[dict]:
    """The console entries of level SEVERE since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def broken_images(driver) -> list[str]:
    """The alt/src start of every <img> on the page that did not decode."""
    return driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.alt || i.src.slice(0, 40));")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(args: list[str], port: int, cwd: Path) -> Iterator[str]:
    """`python -m artimap ARGS` in a subprocess until it accepts connections on `port`;
    yields the base URL, stops the process afterwards."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "artimap", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise TimeoutError("server did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
