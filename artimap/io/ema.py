"""Electromagnetic articulography (EMA) tracks: Edinburgh Speech Tools (EST) Track files and
the headerless ASCII form MOCHA-TIMIT is also distributed in.

EST Track: text header lines (`EST_File Track`, `DataType binary|ascii`, `ByteOrder 01|10`,
`NumFrames`, `NumChannels`, `Channel_<k> <name>`...) up to `EST_Header_End`, then per frame the
time (s), a presence flag (0 = no data) and NumChannels values: float32 in binary files
(ByteOrder 10 = big-endian, 01 = little-endian), one text line per frame in ascii ones. The
headerless ASCII form holds only those lines.

Coils become markers: channels named `<coil>_x`, `<coil>_y` (`_px`... too) are grouped; EMA
is often 2-D (midsagittal), then z = 0. MOCHA uses its own channel order (below), 500 Hz and
1/100 mm; MNGU0 uses 200 Hz and mm: units are a setting (`units=`).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.motion import Motion, unit_scale

# MOCHA-TIMIT channel order (the 14th and 19th channels belong to an unused coil, '****').
MOCHA_CHANNELS = ("ui_x", "li_x", "ul_x", "ll_x", "tt_x", "ui_y", "li_y", "ul_y", "ll_y", "tt_y",
                  "tb_x", "td_x", "v_x", "unused_x", "bn_x", "tb_y", "td_y", "v_y", "unused_y",
                  "bn_y")
MOCHA_UNITS = "0.01mm"
_AXIS = re.compile(r"^(?P<coil>.+?)_p?(?P<axis>[xyz])$", re.IGNORECASE)
_HEADER_END = b"EST_Header_End"
# Articulography formats recognised by extension but not read (a clear "not supported" beats a
# column-count error from the ASCII reader).
UNSUPPORTED = {".pos": "Carstens AG500/AG501 .pos"}  # .txy: see read_ema (artimap.io.xrmb)


def _read_header(path: Path, raw: bytes) -> tuple[dict[str, str], list[str], int]:
    """-> (header key/values, channel names, offset of the first data byte)."""
    end = raw.find(_HEADER_END)
    if end < 0:
        raise file_error(path, "EST header has no EST_Header_End line", "The file is truncated")
    offset = raw.index(b"\n", end) + 1 if b"\n" in raw[end:] else len(raw)
    header: dict[str, str] = {}
    for line in raw[:end].decode("ascii", errors="replace").splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            header[key] = value.strip()
    n = _int_field(path, header, "NumChannels")
    names = [header.get(f"Channel_{k}", f"ch{k}").strip() for k in range(n)]
    if names == ["****" if n.startswith("unused") else n for n in MOCHA_CHANNELS]:
        names = list(MOCHA_CHANNELS)
    return header, names, offset


def _int_field(path: Path, header: dict[str, str], key: str) -> int:
    try:
        return int(header[key])
    except (KeyError, ValueError):
        raise file_error(path, f"EST header lacks a valid {key}", "The header is damaged") from None


def _byte_order(path: Path, header: dict[str, str]) -> str:
    order = header.get("ByteOrder", "").strip().lower()
    if order in ("10", "big", "bigendian", "big_endian", "msb"):
        return ">"
    if order in ("01", "little", "littleendian", "little_endian", "lsb"):
        return "<"
    raise file_error(path, f"unknown EST ByteOrder {header.get('ByteOrder')!r}",
                     "Expected 10 (big-endian) or 01 (little-endian)")


def _binary_frames(path: Path, header: dict[str, str], payload: bytes, n_ch: int) -> np.ndarray:
    """-> (F, 2 + C) float64: time, presence flag, C channel values."""
    width = 4 * (n_ch + 2)
    if len(payload) % width:
        raise file_error(path, f"{len(payload)} data bytes are not whole frames of {n_ch + 2} "
                         "float32 values", "The file is truncated or the header is wrong")
    frames = np.frombuffer(payload, dtype=_byte_order(path, header) + "f4").reshape(-1, n_ch + 2)
    declared = header.get("NumFrames")
    if declared is not None and declared.isdigit() and int(declared) != len(frames):
        warnings.warn(f"{path}: header says {declared} frames but {len(frames)} are present; "
                      "using the data", stacklevel=3)
    return frames.astype(np.float64)


def _ascii_frames(path: Path, text: str, first_line: int, n_ch: int | None) -> np.ndarray:
    """Parse `time flag v1..vC` lines -> (F, 2 + C) float64."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=first_line):
        parts = line.split()
        if not parts:
            continue
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise file_error(path, f"line {lineno}: non-numeric value in {line[:60].strip()!r}",
                             "Expected 'time flag v1 .. vC' per line") from None
        n_ch = len(values) - 2 if n_ch is None else n_ch
        if len(values) != n_ch + 2:
            raise file_error(path, f"line {lineno}: {len(values)} values, expected {n_ch + 2}",
                             "Every line needs 'time flag' and one value per channel")
        rows.append(values)
    if not rows:
        raise file_error(path, "no EMA frames", "The file is empty")
    return np.asarray(rows, dtype=np.float64)


def _coils(names: list[str]) -> tuple[list[str], np.ndarray]:
    """Group channel names into coils -> M coil names and (M, 3) channel index (-1 = none)."""
    coils: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        m = _AXIS.match(name)
        if m:
            axis = "xyz".index(m.group("axis").lower())
            coils.setdefault(m.group("coil"), [-1, -1, -1])[axis] = k
    kept = {c: idx for c, idx in coils.items() if idx[0] >= 0 and idx[1] >= 0}
    return list(kept), np.array(list(kept.values()), dtype=np.int64).reshape(-1, 3)


def _frame_rate(path: Path, times: np.ndarray, rate: float | None) -> float:
    if rate is not None:
        return float(rate)
    steps = np.diff(times)
    if len(steps) == 0 or not np.median(steps) > 0:
        raise file_error(path, "cannot infer the frame rate from the times", "Pass rate=...")
    est = (len(times) - 1) / (times[-1] - times[0])
    if not abs(est * np.median(steps) - 1) < 0.01:  # gaps in the times: trust the usual step
        est = 1.0 / np.median(steps)
    # Times are stored as float32 or rounded text: 499.99998 is 500 Hz.
    return float(round(est)) if abs(est - round(est)) < 1e-4 * est else float(est)


def read_ema(path: str | Path, units: str | None = None, rate: float | None = None,
             channels: list[str] | None = None) -> Motion:
    """Read an EST Track (binary or ascii) or headerless MOCHA ASCII EMA file -> Motion.

    Returns points (F, M, 3) float32 mm for the M coils (z = 0 for 2-D EMA; NaN in frames
    whose presence flag is 0), rate from the times unless `rate` is given, coil names as
    labels, start_time = first frame time. `units` is the stored unit ('mm', '0.01mm', 'cm',
    'm'); default 1/100 mm for MOCHA's channel layout, mm otherwise. `channels` names the
    channels of a headerless file (default: MOCHA's 20).
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such EMA file", "Check the path")
    if path.suffix.lower() == ".txy":
        raise file_error(path, "XRMB pellet file (.txy): format not supported as EMA",
                         "Read it with artimap.io.xrmb.read_txy")
    if path.suffix.lower() in UNSUPPORTED:
        raise file_error(path, f"{UNSUPPORTED[path.suffix.lower()]} is not a supported EMA format",
                         "Convert it to an EST Track or MOCHA-style ASCII file (time, flag, "
                         "one column per channel)")
    raw = path.read_bytes()
    if raw.startswith(b"EST_File"):
        header, names, offset = _read_header(path, raw)
        if header.get("DataType", "ascii").lower().startswith("bin"):
            frames = _binary_frames(path, header, raw[offset:], len(names))
        else:
            first = raw[:offset].count(b"\n") + 1
            frames = _ascii_frames(path, raw[offset:].decode("ascii", "replace"), first, len(names))
    else:
        names = list(channels or MOCHA_CHANNELS)
        frames = _ascii_frames(path, raw.decode("ascii", "replace"), 1, len(names))
    return _to_motion(path, frames, names, units, rate)


def _to_motion(path: Path, frames: np.ndarray, names: list[str], units: str | None,
               rate: float | None) -> Motion:
    labels, idx = _coils(names)
    if not labels:
        raise file_error(path, f"no coil position channels among {names[:12]}",
                         "Channels must be named <coil>_x, <coil>_y[, <coil>_z]")
    units = units or (MOCHA_UNITS if list(names) == list(MOCHA_CHANNELS) else "mm")
    scale = unit_scale(units)
    if scale is None:
        raise file_error(path, f"unknown EMA units {units!r}", "Pass units='mm', '0.01mm', 'cm'")
    values = frames[:, 2:]  # (F, C)
    points = np.zeros((len(frames), len(labels), 3))  # (F, M, 3)
    for axis in range(3):
        have = idx[:, axis] >= 0
        points[:, have, axis] = values[:, idx[have, axis]] * scale
    points[frames[:, 1] == 0] = np.nan
    times = frames[:, 0]
    return Motion(points.astype(np.float32), _frame_rate(path, times, rate), labels, str(path),
                  start_time=float(times[0]) if len(times) else 0.0)
