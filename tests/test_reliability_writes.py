"""Writes stopped by a full disk or the file size limit: one line naming the file and the cause,
and no temporary file or folder left behind, whatever the writer (Python, numpy, torch.save)
reports. The size limit is real (RLIMIT_FSIZE in a child process); a full disk is simulated."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from artimap import fsutil
from artimap.checkpoint import save_checkpoint
from artimap.errors import ArtimapError
from artimap.fsutil import DISK_FULL, SIZE_LIMIT, atomic_dir, atomic_path, write_failure

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 64 * 1024  # bytes: every write below is larger

# each attempt writes more than LIMIT through one of artimap's writers
_CHILD = """
import sys
from pathlib import Path
import numpy as np, torch
from artimap.checkpoint import save_checkpoint
from artimap.errors import ArtimapError
from artimap.fsutil import atomic_dir, atomic_path, atomic_write_bytes

out = Path(sys.argv[1])
big = np.zeros(100_000)

def npy_in_dir():
    with atomic_dir(out / "prepared") as tmp:
        np.save(tmp / "frames.npy", big)

def npy_file():
    with atomic_path(out / "frames.npy") as tmp:
        np.save(tmp, big)

attempts = {
    "checkpoint": lambda: save_checkpoint(out / "last.pt", {"w": torch.zeros(100_000)}),
    "npy_file": npy_file,
    "npy_in_dir": npy_in_dir,
    "bytes": lambda: atomic_write_bytes(out / "ult.bin", bytes(200_000)),
}
for name, write in attempts.items():
    try:
        write()
        print(name, "written")
    except ArtimapError as e:
        print(name, e)
"""


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_file_size_limit_is_named_for_every_writer(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path)], capture_output=True,
                          text=True, env=env, preexec_fn=_limit_file_size, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["checkpoint", "npy_file", "npy_in_dir", "bytes"]
    for line, name in zip(lines, ["last.pt", "frames.npy", "prepared", "ult.bin"], strict=True):
        assert f"{tmp_path / name}: file size limit ({LIMIT} bytes, ulimit -f) reached while " \
               "writing it (nothing half-written was left)" in line, line
    assert os.listdir(tmp_path) == []  # no temporary file or folder left


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The output disk reports no free space (the writers' own errors carry no errno)."""
    monkeypatch.setattr(fsutil.shutil, "disk_usage",
                        lambda path: SimpleNamespace(total=1 << 30, used=1 << 30, free=0))


def _raises(error: BaseException):
    def write(*args, **kwargs):
        raise error
    return write


def test_torch_save_short_write_on_a_full_disk_is_disk_full(tmp_path, monkeypatch) -> None:
    _full_disk(monkeypatch)
    monkeypatch.setattr(torch, "save", _raises(RuntimeError(
        "[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534")))
    with pytest.raises(ArtimapError, match=r"last\.pt: disk full while writing it"):
        save_checkpoint(tmp_path / "last.pt", {})
    assert os.listdir(tmp_path) == []


def test_numpy_short_write_on_a_full_disk_leaves_no_folder(tmp_path, monkeypatch) -> None:
    _full_disk(monkeypatch)
    monkeypatch.setattr(np, "save", _raises(OSError("100000 requested and 12484 written")))
    with pytest.raises(ArtimapError, match=r"prepared: disk full while writing it"), \
            atomic_dir(tmp_path / "prepared") as tmp:
        np.save(tmp / "a.npy", np.zeros(3))
    assert os.listdir(tmp_path) == []


def test_efbig_and_enospc_errnos_are_recognised(tmp_path) -> None:
    with pytest.raises(ArtimapError, match=r"x\.bin: file size limit"), \
            atomic_path(tmp_path / "x.bin"):
        raise OSError(errno.EFBIG, "File too large")
    assert write_failure(OSError(errno.ENOSPC, "No space left on device")) == DISK_FULL
    assert write_failure(OSError(errno.EFBIG, "File too large")) == SIZE_LIMIT
    assert os.listdir(tmp_path) == []


def test_a_short_write_with_room_and_no_limit_stays_a_bug(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(fsutil.resource, "getrlimit", lambda which: (
        resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    error = RuntimeError("unexpected pos 576 vs 534")
    assert write_failure(error, tmp_path) is None  # the test folder's disk has room
    with pytest.raises(RuntimeError, match="unexpected pos"), atomic_path(tmp_path / "y.pt"):
        raise error
