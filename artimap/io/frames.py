"""Folders of image frames (SSC-style corpora): one image file per frame, in frame order.

Files are png, bmp, jpg/jpeg or tif/tiff, ordered naturally by the numbers in their names
(`frame2.png` before `frame10.png`), read as 8-bit grayscale.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from artimap.errors import file_error

IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders digit runs by value: 'img2' < 'img10'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def list_frames(folder: str | Path) -> list[Path]:
    """Image files in `folder`, naturally sorted; an error if the folder is missing or empty."""
    folder = Path(folder)
    if not folder.is_dir():
        raise file_error(folder, "frame folder not found", "Check the path")
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        kinds = "/".join(s.lstrip(".") for s in IMAGE_SUFFIXES)
        raise file_error(folder, f"no image frames in the folder (looked for {kinds})",
                         "Point to the folder that holds the frame images")
    return sorted(files, key=lambda p: natural_key(p.name))


def read_image(path: str | Path) -> np.ndarray:
    """One image as (H, W) uint8 grayscale (16-bit images are scaled down to 8 bits)."""
    path = Path(path)
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise file_error(path, "cannot read the image (damaged or unsupported)",
                         "Re-save it as png")
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        img = cv2.cvtColor(img, code)
    if img.dtype != np.uint8:
        raise file_error(path, f"unsupported pixel type {img.dtype}", "Save 8-bit images")
    return img


def read_frame_folder(folder: str | Path) -> np.ndarray:
    """Read every frame image of `folder`: (F, H, W) uint8, all frames the same size."""
    files = list_frames(folder)
    frames = [read_image(files[0])]
    for path in files[1:]:
        img = read_image(path)
        if img.shape != frames[0].shape:
            raise file_error(path, f"size {img.shape[1]}x{img.shape[0]} differs from the "
                             f"first frame's {frames[0].shape[1]}x{frames[0].shape[0]}",
                             "All frames of a folder must have the same size")
        frames.append(img)
    return np.stack(frames)


def read_paired_frames(ult_dir: str | Path, lip_dir: str | Path
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Read an utterance's ultrasound and lip frame folders, paired by index.

    Returns (ultrasound (F, Hu, Wu) uint8, lips (F, Hl, Wl) uint8). Both folders must hold the
    same number of frames (SSC records both at the same rate).
    """
    n_ult, n_lip = len(list_frames(ult_dir)), len(list_frames(lip_dir))
    if n_ult != n_lip:
        raise file_error(ult_dir, f"{n_ult} ultrasound frames but {n_lip} lip frames in {lip_dir}",
                         "Pairing is by index; remove the extra frames or fix the export")
    return read_frame_folder(ult_dir), read_frame_folder(lip_dir)
