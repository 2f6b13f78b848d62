"""The feeding side of a live lip stream: a frame source, put on the training clock by a reader
thread, into a bounded queue that drops its oldest frame when the model falls behind.

    source (camera / stdin y4m / stdin raw) --reader thread--> TrainingClock --> DropOldest
        --> the predictor (main thread, `live`)

The reader of a pipe starts before the model is loaded and skips (and counts) what arrives
until the model is ready, so the backlog of start-up never reaches the queue.

Every queued item carries the time the reader got the frame, so the predictor can measure
the latency of each prediction from the frame's arrival (queue wait included).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

import cv2
import numpy as np

from artimap.data.lip2tongue.sync import FPS_TOLERANCE
from artimap.errors import ArtimapError
from artimap.io.framepipe import PipeFormat, raw_frames, read_y4m_header, y4m_frames


class Item(NamedTuple):
    """One frame on the training clock."""

    index: int  # frame number on the training clock, from 0
    arrived: float  # time.perf_counter() when the reader received it
    frame: np.ndarray  # (H, W) grey or (H, W, 3) BGR uint8


class DropOldest:
    """A bounded FIFO between one writer and one reader: `put` on a full queue drops the
    oldest item and counts it, so the reader always gets the freshest frames."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ArtimapError(f"--queue {size}: must hold at least one frame")
        self.size, self.dropped, self._closed = size, 0, False
        self._items: deque = deque()
        self._cv = threading.Condition()

    def put(self, item: Any) -> None:
        with self._cv:
            if len(self._items) >= self.size:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self._cv.notify()

    def close(self) -> None:
        """No more items: `get` returns None once the queue is empty."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def get(self) -> Any:
        """The oldest item, waiting for one; None when closed and empty."""
        with self._cv:
            while not self._items and not self._closed:
                self._cv.wait()
            return self._items.popleft() if self._items else None


class TrainingClock:
    """Frames of a stream at `source_fps` -> frames at the model's `fps`, as `sync.output_clock`
    does for a file: every frame when the rates agree within FPS_TOLERANCE, else the frame
    nearest to each point j / fps of a grid anchored at the first frame (one frame of delay)."""

    def __init__(self, source_fps: float, fps: float) -> None:
        self.passthrough = abs(source_fps / fps - 1.0) <= FPS_TOLERANCE
        self.source_fps, self.fps = source_fps, fps
        self._k, self._next, self._prev = 0, 0, None  # source frames seen, next grid point

    def push(self, frame: np.ndarray) -> list[np.ndarray]:
        """The frames to emit now (zero, one or, when slower than fps, several copies)."""
        if self.passthrough:
            return [frame]
        out, t = [], self._k / self.source_fps
        if self._prev is not None:
            half = (t - 0.5 / self.source_fps)  # midpoint between the previous frame and this
            while self._next / self.fps <= half + 1e-9:
                out.append(self._prev)
                self._next += 1
        self._prev, self._k = frame, self._k + 1
        return out


def camera_source(index: int, fps: float | None) -> tuple[Iterator[np.ndarray], float, Any]:
    """(frames, rate, capture) of OpenCV camera `index`; the rate is the camera's unless
    given."""

    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        cap.release()
        raise ArtimapError(f"--camera {index}: cannot open the camera; check the index "
                           "(0 is the first camera) and that no other program holds it")
    rate = fps or float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not rate > 0:
        cap.release()
        raise ArtimapError(f"--camera {index}: the camera reports no frame rate; give --fps")

    def frames() -> Iterator[np.ndarray]:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield frame

    return frames(), rate, cap


def stdin_source(size: tuple[int, int] | None, fps: float | None, pixels: str,
                 stream=None) -> tuple[Iterator[np.ndarray], float, np.ndarray]:
    """(frames, rate, a black frame of the stream's shape) of frames on standard input: y4m,
    or raw when --size is given."""

    stream = stream if stream is not None else sys.stdin.buffer
    if size is None:
        fmt = read_y4m_header(stream)
        return y4m_frames(stream, fmt), fps or fmt.fps, fmt.blank()
    if not fps:
        raise ArtimapError("--video - with --size: raw frames carry no rate; give --fps R")
    fmt = PipeFormat(size[0], size[1], fps, pixels)
    return raw_frames(stream, fmt), fps, fmt.blank()


class Reader(threading.Thread):
    """Reads `frames` (source rate `source_fps`) until the source ends, `max_frames` are
    queued or `stop` is set. Until `begin(fps)` says the model is ready, frames are read and
    skipped (counted in `skipped`): a pipe's writer keeps producing while artimap starts, and
    that backlog, seconds old, would otherwise arrive in one burst and be dropped as if the
    model had fallen behind. From `begin` on, frames go on the training clock into `queue`
    (counted in `sent`)."""

    def __init__(self, frames: Iterator[np.ndarray], source_fps: float, queue: DropOldest,
                 max_frames: int = 0) -> None:
        super().__init__(daemon=True)  # a blocked read of stdin must not keep the process up
        self.frames, self.source_fps, self.queue = frames, source_fps, queue
        self.max_frames = max_frames
        self.clock: TrainingClock | None = None
        self.ready, self.stop = threading.Event(), threading.Event()
        self.sent, self.skipped, self.error = 0, 0, None

    def begin(self, fps: float) -> None:
        """The model is ready: put frames from now on onto a clock at `fps`."""
        self.clock = TrainingClock(self.source_fps, fps)
        self.ready.set()

    def run(self) -> None:
        try:
            for frame in self.frames:
                arrived = time.perf_counter()
                if not self.ready.is_set():
                    self.skipped += 1
                    continue
                for f in self.clock.push(frame):
                    if 0 < self.max_frames <= self.sent:
                        break
                    self.queue.put(Item(self.sent, arrived, f))
                    self.sent += 1
                if self.stop.is_set() or 0 < self.max_frames <= self.sent:
                    break
        except BaseException as e:  # handed to the predictor thread, which raises it
            self.error = e
        finally:
            self.queue.close()
