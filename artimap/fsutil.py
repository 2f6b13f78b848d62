"""Atomic writes: nothing half-written is ever left where a reader would find it.

Files are written to a temporary sibling and renamed into place; whole output folders are built
in a temporary sibling folder and renamed at the end, or removed if anything fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from artimap.errors import ArtimapError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _open_permissions(path: Path, is_dir: bool) -> None:
    """mkdtemp/mkstemp create private (0700/0600) entries; give the usual umask-based modes."""
    path.chmod((0o777 if is_dir else 0o666) & ~_umask())


def _check_parent_writable(path: Path) -> None:
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ArtimapError(f"{parent}: cannot create the output folder ({e.strerror})") from e
    if not os.access(parent, os.W_OK):
        raise ArtimapError(f"{parent}: output folder is not writable; choose another --out")


@contextlib.contextmanager
def atomic_dir(final: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes `final` when the block ends without error.

    On error the temporary folder is removed and `final` is untouched. With `overwrite`, an
    existing `final` is replaced only after the new one is complete.
    """
    final = Path(final)
    if final.exists() and not overwrite:
        raise ArtimapError(f"{final}: already exists; remove it or pass --overwrite")
    _check_parent_writable(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _open_permissions(tmp, is_dir=True)
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary file path beside `final`; it is renamed onto `final` on success.

    The temporary name keeps `final`'s suffix, so writers that pick a format by extension
    (OpenCV, ezc3d) work unchanged.
    """
    final = Path(final)
    _check_parent_writable(final)
    fd, name = tempfile.mkstemp(prefix=f".{final.stem}.tmp-", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _open_permissions(tmp, is_dir=False)
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    """Write `obj` as indented JSON to `path` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")
