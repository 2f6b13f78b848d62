"""Atomic writes: nothing half-written is ever left where a reader would find it.

Files are written to a temporary sibling and renamed into place; whole output folders are built
in a temporary sibling folder and renamed at the end, or removed if anything fails.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import re
import resource
import shutil
import tempfile
import time
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


DISK_FULL = "disk full"
SIZE_LIMIT = "file size limit"
# what writers say on a short write, without an errno: numpy's tofile / np.save ("N requested
# and M written"), torch.save's zip writer ("file write failed", "unexpected pos N vs M")
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written|write failed|unexpected pos \d+")


def _short_write_cause(folder: Path | None) -> str | None:
    """Why a write came up short when the writer did not say: the disk of `folder` is full,
    or this process has a file size limit (ulimit -f); None when neither holds."""
    try:
        if folder is not None and shutil.disk_usage(folder).free < 1 << 20:
            return DISK_FULL
    except OSError:
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return SIZE_LIMIT if soft != resource.RLIM_INFINITY else None


def write_failure(e: BaseException, folder: Path | None = None) -> str | None:
    """DISK_FULL, SIZE_LIMIT or None: what a write error means for the user. OSError
    ENOSPC/EDQUOT is a full disk or quota, EFBIG the file size limit; a writer's short-write
    message without an errno (numpy, torch.save) is judged from `folder`'s free space and
    the process's limit."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return DISK_FULL
    if isinstance(e, OSError) and e.errno == errno.EFBIG:
        return SIZE_LIMIT
    if not isinstance(e, (OSError, RuntimeError)):
        return None
    text = str(e)
    if "No space left on device" in text or "Disk quota exceeded" in text:
        return DISK_FULL
    if "File too large" in text:
        return SIZE_LIMIT
    return _short_write_cause(folder) if _SHORT_WRITE.search(text) else None


def is_disk_full(e: BaseException, folder: Path | None = None) -> bool:
    """True for the errors of a full disk, an exhausted quota or the file size limit (see
    `write_failure`); `disk_full_error` words the message."""
    return write_failure(e, folder) is not None


def disk_full_error(final: Path, e: BaseException) -> ArtimapError:
    """The one message for a write stopped by a full disk or the file size limit: where, and
    that nothing half-written was left."""
    if write_failure(e, final.parent) == SIZE_LIMIT:
        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
        limit = f"{soft} bytes" if soft != resource.RLIM_INFINITY else "EFBIG"
        return ArtimapError(f"{final}: file size limit ({limit}, ulimit -f) reached while "
                            "writing it (nothing half-written was left); raise the limit or "
                            "write to a file system that allows larger files, then run the "
                            "command again")
    return ArtimapError(f"{final}: disk full while writing it (no space left on the device; "
                        "nothing half-written was left); free some space or choose another "
                        "output folder, then run the command again")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


STALE_S = 24 * 3600  # a temporary entry without a readable pid is stale after a day


_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<rest>.*)$")
_SWEPT: set[Path] = set()  # folders whose stale temporary files this process has removed


def clean_stale_temporaries(folder: Path, name: str | None = None) -> list[Path]:
    """Remove `.NAME.tmp-*` / `.NAME.old-*` entries of `folder` (any NAME when None) left by
    killed runs (their process is gone); returns what was removed. Entries of live processes
    are kept."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    pattern = "*" if name is None else f".{glob.escape(name)}.*"
    for entry in folder.glob(pattern):
        match = _TEMPORARY.match(entry.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        pid = match["rest"].split("-")[0]
        try:
            stale = not _pid_alive(int(pid)) if pid.isdigit() else (
                time.time() - entry.lstat().st_mtime > STALE_S)
            if stale:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                removed.append(entry)
        except OSError:
            continue  # another run is removing it, or it is not ours to remove
    return removed


@contextlib.contextmanager
def atomic_dir(final: str | Path, overwrite: bool = False,
               marker: str | None = None) -> Iterator[Path]:
    """Yield a temporary folder that becomes `final` when the block ends without error.

    On error the temporary folder is removed and `final` is untouched. With `overwrite`, an
    existing `final` is replaced only after the new one is complete, and only when it is
    empty or holds the file `marker` (what this kind of output always contains): --overwrite
    never deletes a folder the command did not write.
    """
    final = Path(final)
    if final.exists() and not overwrite:
        raise ArtimapError(f"{final}: already exists; remove it or pass --overwrite")
    if final.exists() and (not final.is_dir() or (
            marker is not None and any(final.iterdir()) and not (final / marker).is_file())):
        raise ArtimapError(f"{final}: --overwrite replaces only a folder this command wrote (it "
                           f"has no {marker or 'folder'}); choose another output or remove it "
                           "yourself")
    _check_parent_writable(final)
    clean_stale_temporaries(final.parent, final.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-{os.getpid()}-", dir=final.parent))
    try:
        yield tmp
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if is_disk_full(e, final.parent):
            raise disk_full_error(final, e) from e
        raise
    _open_permissions(tmp, is_dir=True)
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")  # pid: see clean_stale_...
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
    if final.parent not in _SWEPT:  # once per folder and process: writers put many files there
        clean_stale_temporaries(final.parent)
        _SWEPT.add(final.parent)
    fd, name = tempfile.mkstemp(prefix=f".{final.stem}.tmp-{os.getpid()}-", suffix=final.suffix,
                                dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _open_permissions(tmp, is_dir=False)
        os.replace(tmp, final)
    except (OSError, RuntimeError) as e:
        if is_disk_full(e, final.parent):
            raise disk_full_error(final, e) from e
        raise
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


def check_prediction_out(out: Path, stem: str, overwrite: bool) -> None:
    """`out` must be a folder (or not exist yet); files `stem.*` in it from an earlier
    prediction are replaced only with `overwrite`."""
    if out.exists() and not out.is_dir():
        raise ArtimapError(f"{out}: --out names a file; predictions are written into a folder "
                           "(pass a folder path, e.g. predictions/)")
    earlier = sorted(p.name for p in out.glob(f"{stem}.*")) if out.is_dir() else []
    if earlier and not overwrite:
        raise ArtimapError(f"{out}: already holds predictions for {stem!r} ({', '.join(earlier)}); "
                           "pass --overwrite to replace them, or choose another --out")
