"""C3D motion-capture files (Vicon, Qualisys, OptiTrack exports...) via ezc3d.

ezc3d gives points as (4, M, F) with a residual per sample; residual < 0 marks a sample the
system could not reconstruct. `read_c3d` returns a `Motion` in mm with NaN there; `write_c3d`
writes the reverse (POINT:UNITS 'mm', coordinates 0 and residual -1 where missing). For the same
input, the written bytes are the same.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import ezc3d
import numpy as np

from artimap.errors import file_error
from artimap.fsutil import atomic_path
from artimap.io.isolate import run_isolated
from artimap.io.motion import Motion, unit_scale


def _param(group: dict, name: str, default=None):
    entry = group.get(name)
    if entry is None:
        return default
    return entry.get("value", default)


def _labels(point: dict, n_markers: int) -> list[str]:
    """POINT:LABELS, then LABELS2, LABELS3... (files with > 255 markers), cut to M."""
    labels = list(_param(point, "LABELS", []) or [])
    k = 2
    while f"LABELS{k}" in point:
        labels += list(_param(point, f"LABELS{k}", []) or [])
        k += 1
    labels = [str(s).strip() for s in labels[:n_markers]]
    labels += [f"marker{i:03d}" for i in range(len(labels), n_markers)]
    return labels


def _scale_to_mm(path: Path, point: dict, units: str | None) -> float:
    if units is None:
        value = _param(point, "UNITS", []) or []
        units = str(value[0]).strip() if len(value) else ""
        if not units:
            warnings.warn(f"{path}: no POINT:UNITS; assuming mm (re-export with units if not)",
                          stacklevel=3)
            return 1.0
    scale = unit_scale(units)
    if scale is None:
        raise file_error(path, f"unknown POINT:UNITS {units!r}",
                         "Re-export the capture with units mm, cm or m (from Python: "
                         "read_c3d(path, units='mm'))")
    return scale


def _header_frame_count(path: Path) -> int | None:
    """Frames declared by the file's own header (ezc3d rewrites its copy to match the data
    it could read, so a truncated file would go unnoticed). None when not decidable."""
    with open(path, "rb") as fh:
        head = fh.read(512)
        if len(head) < 12:
            return None
        fh.seek(max(head[0] - 1, 0) * 512 + 3)
        processor = fh.read(1)
    endian = ">" if processor == b"\x56" else "<"  # 86 = MIPS (big-endian); Intel, DEC little
    first, last = struct.unpack(endian + "HH", head[6:10])
    if last >= 65535 or last < first:  # the 16-bit field overflows on long takes
        return None
    return last - first + 1


def _check_frame_count(path: Path, n_frames: int) -> None:
    expected = _header_frame_count(path)
    if expected is not None and expected != n_frames:
        warnings.warn(
            f"{path}: header says {expected} frames but {n_frames} are present; using the data",
            stacklevel=3,
        )


def _check_header(path: Path) -> None:
    """Refuse files that are not C3D before any C library sees them."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    size = path.stat().st_size
    if len(head) < 512 or head[1] != 0x50 or head[0] < 2 or head[0] * 512 > size:
        raise file_error(path, "not a readable C3D file (no valid C3D header)",
                         "Check the path, or re-export the capture as C3D")


def _load(path: Path) -> dict:
    """What read_c3d needs from ezc3d, as plain arrays and dicts (crosses a process pipe)."""

    try:
        c = ezc3d.c3d(str(path))
    except (OSError, RuntimeError) as e:
        raise file_error(path, f"not a readable C3D file ({e})", "Re-export it from the capture "
                         "software") from e
    point = {k: {"value": np.asarray(v["value"]).tolist()}
             for k, v in c["parameters"]["POINT"].items() if isinstance(v, dict) and "value" in v}
    return {"point": point, "points": np.asarray(c["data"]["points"], dtype=np.float64),
            "residuals": np.asarray(c["data"]["meta_points"]["residuals"]),
            "frame_rate": float(c["header"]["points"]["frame_rate"]),
            "first_frame": int(c["header"]["points"]["first_frame"])}


def read_c3d(path: str | Path, units: str | None = None) -> Motion:
    """Read the 3-D points of a C3D file -> Motion with points (F, M, 3) float32 mm.

    `units` overrides POINT:UNITS ('m', 'cm', 'mm'). Samples with residual < 0 become NaN.
    `start_time` is the header's first frame / rate. Warns when the header's frame count
    disagrees with the frames present.
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such C3D file", "Check the path")
    _check_header(path)
    # ezc3d can crash or spin on damaged files: read in a child process (see io.isolate)
    c = run_isolated(_load, path, "C3D file", timeout_s=10 + path.stat().st_size / 2e6)
    point = c["point"]
    raw, residuals = c["points"], c["residuals"]  # (4, M, F), (1, M, F)
    if raw.ndim != 3 or raw.shape[0] < 3:
        raise file_error(path, f"unexpected point array of shape {raw.shape}",
                         "Re-export it from the capture software")
    n_markers, n_frames = raw.shape[1], raw.shape[2]
    try:
        rate = float(np.ravel(_param(point, "RATE", [0.0]))[0] or c["frame_rate"])
    except (TypeError, ValueError, IndexError):
        rate = float("nan")
    if not (rate > 0 and np.isfinite(rate)):
        raise file_error(path, "POINT:RATE is missing, zero or not a number",
                         "Fix the file's point rate")
    scale = _scale_to_mm(path, point, units)
    _check_frame_count(path, n_frames)
    pts = raw[:3].transpose(2, 1, 0) * scale  # (F, M, 3)
    if residuals.size:
        pts[residuals[0].T < 0] = np.nan
    first = int(c["first_frame"])
    return Motion(pts.astype(np.float32), rate, _labels(point, n_markers), str(path),
                  start_time=first / rate)


def write_c3d(path: str | Path, motion: Motion) -> None:
    """Write `motion` (points (F, M, 3) mm, NaN = missing) to a float C3D file, atomically.

    Sets POINT:RATE, POINT:LABELS, POINT:UNITS='mm'; missing samples get coordinates 0 and
    residual -1. `motion.start_time` is not stored.
    """

    path = Path(path)
    for lab in motion.labels:
        if not lab or len(lab.encode("ascii", "replace")) > 255:
            raise file_error(path, f"marker label {lab!r} cannot be stored in C3D",
                             "Use non-empty ASCII labels")
    pts = np.asarray(motion.points, dtype=np.float64)  # (F, M, 3)
    missing = ~np.isfinite(pts).all(axis=2)  # (F, M)
    pts = np.where(missing[..., None], 0.0, pts)
    data = np.ones((4, motion.n_markers, motion.n_frames), dtype=np.float64)
    data[:3] = pts.transpose(2, 1, 0)  # (3, M, F)
    residuals = np.where(missing.T, -1.0, 0.0)[None]  # (1, M, F)

    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [float(motion.rate)]
    c["parameters"]["POINT"]["LABELS"]["value"] = tuple(motion.labels)
    c["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    c["data"]["points"] = data
    c["data"]["meta_points"]["residuals"] = residuals
    with atomic_path(path) as tmp:
        c.write(str(tmp))
