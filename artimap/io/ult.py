"""AAA raw ultrasound: headerless `.ult` frames and their `.param` / `US.txt` parameters.

A `.ult` file is uint8 samples, frame after frame, each frame NumVectors scanlines of
PixPerVector echo samples, so it reshapes to (F, NV, PPV). The parameter file is `key=value` per
line (CRLF or LF); exports call it `<id>.param`, `<id>US.txt` or plain `US.txt`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.fsutil import atomic_path, atomic_write_text
from artimap.io.text import read_text

# dataclass field -> (AAA key, type); the order is the order AAA writes them.
PARAM_KEYS: dict[str, tuple[str, type]] = {
    "num_vectors": ("NumVectors", int),
    "pix_per_vector": ("PixPerVector", int),
    "zero_offset": ("ZeroOffset", int),
    "bits_per_pixel": ("BitsPerPixel", int),
    "angle": ("Angle", float),
    "kind": ("Kind", int),
    "pixels_per_mm": ("PixelsPerMm", float),
    "frames_per_sec": ("FramesPerSec", float),
    "time_first_frame": ("TimeInSecsOfFirstFrame", float),
}
# Keys without which the frames cannot be shaped or placed in time: a default frame rate or
# start time would silently put tongue and lips up to a second apart.
REQUIRED_KEYS = ("NumVectors", "PixPerVector", "ZeroOffset", "FramesPerSec",
                 "TimeInSecsOfFirstFrame")


@dataclass(frozen=True)
class UltParams:
    """Geometry and timing of one ultrasound recording (the AAA parameter keys)."""

    num_vectors: int  # scanlines per frame (NumVectors)
    pix_per_vector: int  # echo samples per scanline (PixPerVector)
    zero_offset: int  # samples between probe origin and first sample (ZeroOffset)
    bits_per_pixel: int = 8  # only 8 is supported (BitsPerPixel)
    angle: float = 0.025  # radians between neighbouring scanlines (Angle)
    kind: int = 0  # undocumented AAA field, kept for round trips (Kind)
    pixels_per_mm: float = 10.0  # echo samples per mm along a scanline (PixelsPerMm)
    frames_per_sec: float = 81.5  # ultrasound frame rate (FramesPerSec)
    time_first_frame: float = 0.0  # time of frame 0 after audio start, s (TimeInSecsOfFirstFrame)

    @property
    def frame_size(self) -> int:
        """Bytes per frame (NV * PPV)."""
        return self.num_vectors * self.pix_per_vector

    def frame_times(self, n_frames: int) -> np.ndarray:
        """Times of frames 0..F-1 on the audio/video clock: (F,) float64 seconds."""
        return self.time_first_frame + np.arange(n_frames, dtype=np.float64) / self.frames_per_sec


def _parse_lines(path: Path, text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise file_error(path, f"line {line!r} is not key=value", "Check the parameter file")
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def read_param(path: str | Path) -> UltParams:
    """Read a `.param` or `*US.txt` file (key=value per line) into `UltParams`.

    Missing optional keys take the `UltParams` defaults; a missing required key (NumVectors,
    PixPerVector, ZeroOffset, FramesPerSec, TimeInSecsOfFirstFrame), a non-numeric, NaN or
    infinite value or BitsPerPixel other than 8 is an error.
    """
    path = Path(path)
    text = read_text(path, "parameter file")
    values = _parse_lines(path, text)
    kwargs: dict[str, int | float] = {}
    for name, (key, typ) in PARAM_KEYS.items():
        if key not in values:
            if key in REQUIRED_KEYS:
                raise file_error(path, f"missing key {key}",
                                 f"Add a line '{key}=<number>' (from the AAA export of this "
                                 "recording)")
            continue
        raw = values[key]
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise file_error(path, f"key {key} has non-numeric value {raw!r}",
                             f"Write a finite number, e.g. '{key}=1'") from None
        if typ is int and number != int(number):
            raise file_error(path, f"key {key} must be a whole number, got {raw!r}")
        kwargs[name] = int(number) if typ is int else number
    params = UltParams(**kwargs)  # type: ignore[arg-type]
    _check_params(path, params)
    return params


def _check_params(path: Path, params: UltParams) -> None:
    if params.bits_per_pixel != 8:
        raise file_error(path, f"BitsPerPixel={params.bits_per_pixel} is not supported",
                         "Only 8-bit AAA ultrasound is read; re-export with 8 bits per pixel")
    if params.num_vectors <= 0 or params.pix_per_vector <= 0:
        raise file_error(path, "NumVectors and PixPerVector must be positive")
    if params.zero_offset < 0 or params.num_vectors * params.pix_per_vector > 2**26:
        raise file_error(path, f"implausible geometry NumVectors={params.num_vectors} "
                         f"PixPerVector={params.pix_per_vector} ZeroOffset={params.zero_offset}",
                         "Check the parameter file")
    if params.frames_per_sec <= 0:
        raise file_error(path, f"FramesPerSec={params.frames_per_sec} must be positive")


def write_param(path: str | Path, params: UltParams) -> None:
    """Write `params` as an AAA parameter file (key=value, AAA key names), atomically."""
    lines = []
    for f in fields(params):
        key, typ = PARAM_KEYS[f.name]
        value = getattr(params, f.name)
        lines.append(f"{key}={int(value) if typ is int else repr(float(value))}")
    atomic_write_text(path, "\n".join(lines) + "\n")


def param_candidates(ult_path: str | Path) -> list[Path]:
    """Parameter file names looked for beside `ult_path`, in order of preference."""
    ult_path = Path(ult_path)
    stem, folder = ult_path.stem, ult_path.parent
    return [folder / f"{stem}.param", folder / f"{stem}US.txt", folder / "US.txt"]


def find_param(ult_path: str | Path) -> Path:
    """Return the parameter file of `ult_path`: `<id>.param`, `<id>US.txt` or `US.txt` beside it."""
    candidates = param_candidates(ult_path)
    for cand in candidates:
        if cand.is_file():
            return cand
    names = ", ".join(c.name for c in candidates)
    raise file_error(ult_path, f"no parameter file found (looked for {names})",
                     "Put the AAA .param or US.txt export beside the .ult file")


def read_ult(path: str | Path, params: UltParams | None = None, mmap: bool = True) -> np.ndarray:
    """Read raw ultrasound frames: (F, NV, PPV) uint8 (scanline by echo sample).

    `params` default to the parameter file found beside `path` (see `find_param`). With `mmap`
    the result is a read-only `np.memmap`, so long recordings cost no memory until touched.
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "ultrasound file not found", "Check the path")
    if params is None:
        params = read_param(find_param(path))
    _check_params(path, params)
    size = path.stat().st_size
    n_frames, left = divmod(size, params.frame_size)
    if left:
        source = next((c.name for c in param_candidates(path) if c.is_file()),
                      "the parameter file")
        raise file_error(
            path,
            f"file size {size} bytes does not match NumVectors x PixPerVector = "
            f"{params.num_vectors} x {params.pix_per_vector} = {params.frame_size} bytes per "
            f"frame ({n_frames} whole frames and {left} bytes left over)",
            f"Check NumVectors and PixPerVector in {source} against the recording; if they "
            f"are right, the file is truncated: cut the file to {n_frames * params.frame_size} "
            "bytes",
        )
    shape = (n_frames, params.num_vectors, params.pix_per_vector)
    if n_frames == 0:
        return np.zeros(shape, np.uint8)
    if mmap:
        return np.memmap(path, dtype=np.uint8, mode="r", shape=shape)
    return np.fromfile(path, dtype=np.uint8).reshape(shape)


def write_ult(path: str | Path, frames: np.ndarray) -> None:
    """Write frames (F, NV, PPV) uint8 as a headerless `.ult` file, atomically."""
    frames = np.asarray(frames)
    if frames.ndim != 3 or frames.dtype != np.uint8:
        raise ValueError(f"write_ult needs (F, NV, PPV) uint8 frames, got {frames.shape} "
                         f"{frames.dtype}")
    with atomic_path(path) as tmp:
        np.ascontiguousarray(frames).tofile(tmp)
