"""The one path from decoded lip frames to model inputs, shared by prepare, the clip dataset,
the evaluation references and predict (so training and prediction cannot drift apart).

    decoded frame (H, W, 3) uint8 BGR or (H, W) uint8 grey
      -> crop to the mouth box (x, y, w, h), grey (OpenCV BGR -> grey), area-resize to S x S:
         crop (S, S) uint8                                        [stored: frames.npy]
      -> optical flow into each frame from the previous crop (flow.FlowComputer), laid out
         (2, S, S) and rounded to FLOW_DTYPE                      [stored: flow.npy]
      -> model inputs: frames (N, 1, S, S) float32 in [0, 1], flow (N-1, 2, S, S) float32

Flow is stored as float16 (half the disk and page cache of float32) and the model always sees
that rounded value, at prediction too: `FrameStream` rounds each new flow field through float16
exactly as `compute_flow` does for prepared data.

Batch form: `crop_frames`, `compute_flow` (prepare) and `model_frames`, `model_flow` (dataset).
Incremental form: `FrameStream.push(frame)` -> the new frame's crop and model inputs (predict).
Numpy only; callers wrap the float32 arrays with `torch.from_numpy`.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from artimap.data.lip2tongue.flow import FlowComputer

FLOW_DTYPE = np.float16  # dtype of stored flow; predict rounds through it too
SCALE = np.float32(255.0)  # uint8 grey level -> [0, 1]


def to_gray(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) BGR (as OpenCV decodes) or (H, W) uint8 -> (H, W) uint8 grey."""
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame


def crop_frame(frame: np.ndarray, box: tuple[int, int, int, int],
               size: int | tuple[int, int] = 96) -> np.ndarray:
    """One frame (H, W[, 3]) uint8 -> its grey mouth crop (S, S) (or (H_o, W_o)) uint8.

    `box` is (x, y, w, h) in frame pixels; `size` is S or (H_o, W_o). Area interpolation,
    since the crop is shrunk.
    """
    x, y, w, h = box
    out_h, out_w = (size, size) if isinstance(size, int) else size
    patch = to_gray(frame[y:y + h, x:x + w])
    return cv2.resize(patch, (out_w, out_h), interpolation=cv2.INTER_AREA)


def crop_frames(frames: np.ndarray, box: tuple[int, int, int, int],
                size: int | tuple[int, int] = 96) -> np.ndarray:
    """`crop_frame` over (F, H, W[, 3]) uint8 frames: (F, S, S) (or (F, H_o, W_o)) uint8."""
    out_hw = (size, size) if isinstance(size, int) else tuple(size)
    out = np.empty((len(frames), *out_hw), np.uint8)  # (F, H_o, W_o)
    for k, frame in enumerate(frames):
        out[k] = crop_frame(frame, box, out_hw)
    return out


def stored_flow(uv: np.ndarray) -> np.ndarray:
    """A flow field as the computer returns it, (H, W, 2) float32 -> stored (2, H, W) FLOW_DTYPE."""
    return np.moveaxis(uv, 2, 0).astype(FLOW_DTYPE)  # (2, H, W)


def compute_flow(crops: np.ndarray, method: str = "farneback") -> np.ndarray:
    """Flow into each crop from the previous one: (F, S, S) uint8 -> (F, 2, S, S) FLOW_DTYPE.

    Row 0 is zero (no previous frame inside the utterance).
    """
    crops = np.ascontiguousarray(crops)
    out = np.zeros((len(crops), 2, *crops.shape[1:3]), FLOW_DTYPE)  # (F, 2, S, S)
    flow = FlowComputer(method)
    for k in range(1, len(crops)):
        out[k] = stored_flow(flow(crops[k - 1], crops[k]))
    return out


def model_frames(crops: np.ndarray) -> np.ndarray:
    """Stored crops (N, S, S) uint8 -> model frames (N, 1, S, S) float32 in [0, 1]."""
    return np.asarray(crops, np.float32)[:, None] / SCALE  # (N, 1, S, S)


def model_flow(flow: np.ndarray) -> np.ndarray:
    """Stored flow (N-1, 2, S, S) FLOW_DTYPE -> model flow (N-1, 2, S, S) float32, pixels."""
    return np.asarray(flow, FLOW_DTYPE).astype(np.float32)


def thumbnails(crops: np.ndarray, side: int) -> np.ndarray:
    """Crops (F, S, S) uint8 shrunk to side x side (area) and flattened: (F, side * side)
    float32 in [0, 1], on the same scale as `model_frames` (for nearest-neighbour search)."""
    out = np.empty((len(crops), side * side), np.float32)
    for k, crop in enumerate(crops):
        small = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
        out[k] = small.ravel().astype(np.float32) / SCALE
    return out


class StreamStep(NamedTuple):
    """What one new frame of a stream gives (see `FrameStream.push`)."""

    crop: np.ndarray  # (S, S) uint8, as stored by prepare
    frame: np.ndarray  # (1, S, S) float32 in [0, 1]
    flow: np.ndarray | None  # (2, S, S) float32 into this frame; None for the first frame
    #                          and for a stream without flow


class FrameStream:
    """Incremental form of the path, one decoded frame at a time: push(frame) crops it and
    computes the flow from the previous crop, giving exactly the values `crop_frames`,
    `compute_flow`, `model_frames` and `model_flow` give for the same frames."""

    def __init__(self, box: tuple[int, int, int, int], size: int,
                 flow: str | None = "farneback") -> None:
        self.box, self.size = tuple(box), size
        self._flow = None if flow is None else FlowComputer(flow)  # None: frames only
        self._prev: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the previous frame (a new stream starts)."""
        self._prev = None

    def push(self, frame: np.ndarray) -> StreamStep:
        """One decoded frame (H, W[, 3]) uint8 -> its `StreamStep`."""
        crop = crop_frame(frame, self.box, self.size)  # (S, S)
        flow = None
        if self._prev is not None and self._flow is not None:
            flow = model_flow(stored_flow(self._flow(self._prev, crop))[None])[0]  # (2, S, S)
        self._prev = crop
        return StreamStep(crop, model_frames(crop[None])[0], flow)
