"""Run a C-library reader in a forked child process, so that a damaged file that crashes the
library (segmentation fault, abort) or makes it spin becomes an error naming the file instead
of killing or freezing the whole program (and with it a worker pool).

The child returns its result pickled through a pipe. Where fork is not available (Windows)
the reader runs in this process.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from artimap.errors import ArtimapError, file_error


def run_isolated(fn: Callable[[Path], Any], path: Path, what: str, timeout_s: float) -> Any:
    """`fn(path)` in a forked child; its ArtimapError is re-raised, any other exception, a
    crash or more than `timeout_s` seconds is an ArtimapError naming `path` and `what`."""
    if not hasattr(os, "fork"):
        return fn(path)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into the caller's code
        status = 0
        try:
            faulthandler.disable()  # the parent reports a crash; no stack dump from here
            os.close(read_fd)
            try:
                payload = ("ok", fn(path))
            except ArtimapError as e:
                payload = ("artimap", str(e))
            except Exception as e:  # the library's own message, reported by the parent
                payload = ("error", f"{type(e).__name__}: {e}")
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        data = _read_all(read_fd, time.monotonic() + timeout_s)
    finally:
        os.close(read_fd)
    if data is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise file_error(path, f"reading this {what} did not finish in {timeout_s:.0f} s "
                         "(damaged file?)", "Re-export it from the software that wrote it")
    _, status = os.waitpid(pid, 0)
    if not data:
        how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.waitstatus_to_exitcode(status)}")
        raise file_error(path, f"the {what} reader crashed on this file ({how}): it is "
                         f"damaged or not a {what}", "Re-export it from the software that wrote "
                         "it") from None
    kind, value = pickle.loads(data)
    if kind == "artimap":
        raise ArtimapError(value)
    if kind == "error":
        raise file_error(path, f"not a readable {what} ({value})",
                         "Re-export it from the software that wrote it")
    return value


def _read_all(fd: int, deadline: float) -> bytes | None:
    """Everything written to `fd` until EOF; None when `deadline` passes first."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
