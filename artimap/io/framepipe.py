"""Video frames from a byte stream (a pipe): YUV4MPEG2 (y4m) or raw frames of a given size.

y4m (what `ffmpeg ... -f yuv4mpegpipe -` writes) states the size, the rate and the colour layout
in its header; each frame is `FRAME[ params]\\n` followed by the planes. Raw frames carry
nothing, so the caller gives the size, the rate and the pixel format (ffmpeg's `-f rawvideo
-pix_fmt gray|bgr24|yuv420p`).

Frames come out as OpenCV decodes video: (H, W) uint8 grey (y4m `Cmono`, raw gray) or
(H, W, 3) uint8 BGR (4:2:0 and 4:4:4 YUV are converted with OpenCV's BT.601 matrices).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import cv2
import numpy as np

from artimap.errors import ArtimapError

RAW_FORMATS = ("gray", "bgr24", "yuv420p")  # raw pixel formats read (ffmpeg's names)


@dataclass(frozen=True)
class PipeFormat:
    """Size, rate and pixel layout of the frames in a pipe."""

    width: int  # W, pixels
    height: int  # H, pixels
    fps: float  # frames per second
    pixels: str  # gray, bgr24, yuv420p or yuv444p

    def blank(self) -> np.ndarray:
        """A black frame as `to_frame` decodes this format: (H, W) grey or (H, W, 3) BGR."""
        shape = (self.height, self.width) if self.pixels == "gray" else \
            (self.height, self.width, 3)
        return np.zeros(shape, np.uint8)

    @property
    def frame_bytes(self) -> int:
        n = self.width * self.height
        return {"gray": n, "bgr24": 3 * n, "yuv444p": 3 * n,
                "yuv420p": n + 2 * ((self.width + 1) // 2) * ((self.height + 1) // 2)}[self.pixels]


def _y4m_pixels(tag: str, where: str) -> str:
    if tag.startswith("420"):
        return "yuv420p"
    if tag in ("444", "mono"):
        return "yuv444p" if tag == "444" else "gray"
    raise ArtimapError(f"{where}: y4m colour space C{tag} is not read (8-bit 420, 444 or mono "
                       "only); add `-pix_fmt yuv420p` to the ffmpeg command")


def read_y4m_header(stream: BinaryIO, where: str = "stdin") -> PipeFormat:
    """Parse the y4m stream header line; errors name `where`."""
    line = stream.readline(4096)
    if not line.startswith(b"YUV4MPEG2"):
        raise ArtimapError(f"{where}: not a y4m stream (no YUV4MPEG2 header); send "
                           "`-f yuv4mpegpipe`, or raw frames with --size WxH --fps R")
    fields = {t[:1]: t[1:] for t in line.decode("ascii", "replace").split()[1:]}
    try:
        w, h = int(fields["W"]), int(fields["H"])
        fps = float(Fraction(*map(int, fields["F"].split(":"))))
    except (KeyError, ValueError, ZeroDivisionError):
        raise ArtimapError(f"{where}: y4m header {line[:80]!r} lacks a valid size (W, H) or "
                           "rate (F)") from None
    return PipeFormat(w, h, fps, _y4m_pixels(fields.get("C", "420jpeg"), where))


def to_frame(buf: bytes, fmt: PipeFormat) -> np.ndarray:
    """One frame's bytes -> (H, W) grey or (H, W, 3) BGR uint8 (module doc)."""
    w, h = fmt.width, fmt.height
    a = np.frombuffer(buf, np.uint8)
    if fmt.pixels == "gray":
        return a.reshape(h, w)
    if fmt.pixels == "bgr24":
        return a.reshape(h, w, 3)
    if fmt.pixels == "yuv444p":
        return cv2.cvtColor(np.ascontiguousarray(a.reshape(3, h, w).transpose(1, 2, 0)),
                            cv2.COLOR_YUV2BGR)
    if w % 2 or h % 2:
        raise ArtimapError(f"yuv420p frames of odd size {w}x{h} are not read; scale to even")
    return cv2.cvtColor(a.reshape(h * 3 // 2, w), cv2.COLOR_YUV2BGR_I420)


def y4m_frames(stream: BinaryIO, fmt: PipeFormat, where: str = "stdin") -> Iterator[np.ndarray]:
    """The frames of a y4m stream after its header, until the stream ends."""
    while True:
        marker = stream.readline(1024)
        if not marker:
            return
        if not marker.startswith(b"FRAME"):
            raise ArtimapError(f"{where}: y4m frame marker expected, got {marker[:20]!r}")
        buf = _read_exactly(stream, fmt.frame_bytes)
        if buf is None:
            return  # the writer stopped inside a frame: drop the partial frame
        yield to_frame(buf, fmt)


def raw_frames(stream: BinaryIO, fmt: PipeFormat) -> Iterator[np.ndarray]:
    """Raw frames of `fmt` until the stream ends (a trailing partial frame is dropped)."""
    while (buf := _read_exactly(stream, fmt.frame_bytes)) is not None:
        yield to_frame(buf, fmt)


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            return None
        chunks.append(part)
        got += len(part)
    return b"".join(chunks)


def y4m_bytes(frames: np.ndarray, fps: float) -> bytes:
    """Grey frames (F, H, W) uint8 as a y4m `Cmono` stream (tests, tools)."""
    f = Fraction(fps).limit_denominator(1001)
    head = f"YUV4MPEG2 W{frames.shape[2]} H{frames.shape[1]} F{f.numerator}:{f.denominator} " \
           "Ip A1:1 Cmono\n"
    return head.encode() + b"".join(b"FRAME\n" + np.ascontiguousarray(x).tobytes()
                                    for x in frames)
