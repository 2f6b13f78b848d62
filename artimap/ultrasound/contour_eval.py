"""How well the automatic contour extractor matches human and AAA-traced tongue contours.

Two real references (read in place from a data folder, never copied):
- `ultrasound_labels/labeled-data/<set>/CollectedData_*.csv`: DeepLabCut hand labels on
  320x240 fan images (probe at the bottom); the 11 tongue points vallecula .. tongueTip2 form
  the reference polyline. The fan's apex is estimated from the images (`estimate_fan`).
- `aaa_ult/File156_gap`: raw AAA frames with AAA's own tongue splines (polar mm); points the
  spline config marks as ignored (the first 11, low-confidence tip side) are left out.

Every contour is resampled along its length (within runs of found points) at a fixed step,
1 pixel or 0.25 mm, so that MSD does not depend on how densely each side was sampled. The
naive reference ("baseline") predicts, for each frame, the mean reference contour of all other
frames of the same recording (point by point); a useful extractor must beat it. "restricted"
variants keep only extracted points within the angular span of the reference contour (seen
from the probe), i.e. they ignore where the extractor continues past the labelled ends.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError
from artimap.metrics.contour import msd
from artimap.ultrasound.contour import (
    ContourConfig,
    estimate_fan,
    extract_fan,
    extract_raw,
    fan_mask,
    scanline_spacing,
)
from artimap.ultrasound.geometry import ProbeGeometry

TONGUE_POINTS = ("vallecula", "tongueRoot1", "tongueRoot2", "tongueBody1", "tongueBody2",
                 "tongueDorsum1", "tongueDorsum2", "tongueBlade1", "tongueBlade2",
                 "tongueTip1", "tongueTip2")
AAA_IGNORE_FRONT = 11  # spline_config.yaml: ignore_points [11, 0]


def default_data_root() -> Path:
    """$ARTIMAP_DATA, else the `shared/data` folder beside the repository."""
    env = os.environ.get("ARTIMAP_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def densify(points: np.ndarray, step: float) -> np.ndarray:
    """Resample a polyline (K, 2) at `step` along its length; NaN rows split it into runs.

    Returns (K', 2) with the ends of every run kept; an isolated point stays as it is.
    """
    p = np.asarray(points, dtype=np.float64)
    ok = np.isfinite(p).all(axis=1)
    runs = np.split(np.arange(len(p)), np.flatnonzero(np.diff(ok.astype(int)) != 0) + 1)
    out = []
    for run in runs:
        if not ok[run[0]]:
            continue
        seg = p[run]
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(seg, axis=0), axis=1))])
        t = np.append(np.arange(0.0, s[-1], step), s[-1])
        out.append(np.stack([np.interp(t, s, seg[:, 0]), np.interp(t, s, seg[:, 1])], 1))
    return np.concatenate(out) if out else np.zeros((0, 2))


def _angles(points: np.ndarray, origin: tuple[float, float], up: float) -> np.ndarray:
    """Angle of each point (K, 2) seen from the origin, from the fan axis ((K,) radians)."""
    return np.arctan2(points[:, 0] - origin[0], up * (points[:, 1] - origin[1]))


def within_span(points: np.ndarray, ref: np.ndarray, origin, up: float = -1.0) -> np.ndarray:
    """Points (K, 2) whose angle from `origin` lies within the angular span of `ref` (R, 2).

    up: -1 when the fan opens towards smaller y (probe at the bottom), +1 otherwise.
    """
    a, b = _angles(points, origin, up), _angles(ref[np.isfinite(ref).all(1)], origin, up)
    return points[(a >= b.min()) & (a <= b.max())]


def _scores(got, refs, origin, up, step) -> dict[str, list[float]]:
    """Per-frame MSDs of extracted contours got[i] vs refs[i] and of the mean of all other refs.

    got: F' contours (K, 2), the first F' of refs (F, R, 2).
    """
    out: dict[str, list[float]] = {"msd": [], "baseline": [], "msd_r": [], "baseline_r": []}
    for i in range(len(got)):
        dense_ref = densify(refs[i], step)
        mean_other = densify(np.nanmean(np.delete(refs, i, axis=0), axis=0), step)
        dense_got = densify(got[i], step)
        for key, pts in (("msd", dense_got), ("baseline", mean_other)):
            out[key].append(msd(pts, dense_ref) if len(pts) else np.nan)
            near = within_span(pts, dense_ref, origin, up)
            out[key + "_r"].append(msd(near, dense_ref) if len(near) else np.nan)
    return out


def _summary(scores: dict[str, list[float]], unit: str) -> dict[str, float]:
    s = {f"{k}_{unit}": round(float(np.nanmean(v)), 3) for k, v in scores.items()}
    for k in ("msd", "baseline"):
        s[f"{k}_median_{unit}"] = round(float(np.nanmedian(scores[k])), 3)
    s["missed"] = int(np.isnan(scores["msd"]).sum())
    return s


def eval_labelled_set(folder: Path, cfg: ContourConfig | None = None,
                      limit: int | None = None) -> dict[str, float]:
    """Extractor vs hand labels of one `labeled-data/<set>` folder; MSD in image pixels."""
    import cv2

    from artimap.io.dlc import read_dlc_csv

    csvs = sorted(folder.glob("CollectedData_*.csv"))
    if not csvs:
        raise ArtimapError(f"{folder}: no CollectedData_*.csv. Point at a labeled-data/<set>")
    dlc = read_dlc_csv(csvs[0])
    idx = [dlc.bodyparts.index(name) for name in TONGUE_POINTS]
    names = [Path(str(i)).name for i in dlc.index]
    frames = np.stack([cv2.imread(str(folder / n), cv2.IMREAD_GRAYSCALE) for n in names])
    mask = fan_mask(frames)  # geometry and mask from all images of the recording, before any
    geo = estimate_fan(frames, mask=mask)  # limit, and passed together as extract_fan asks
    got = extract_fan(frames[:limit], geo, cfg, mask=mask)  # (F', n_rays, 2)
    refs = dlc.points[:, idx]  # (F, 11, 2)
    out = _summary(_scores(got, refs, geo.origin, -1.0, 1.0), "px")
    out["n"] = len(got)
    return out


def eval_ultrasound_labels(root: Path, cfg: ContourConfig | None = None,
                           limit: int | None = None) -> dict[str, dict[str, float]]:
    """`eval_labelled_set` for every set under root/labeled-data."""
    sets = sorted(p for p in (root / "labeled-data").iterdir() if p.is_dir())
    return {s.name: eval_labelled_set(s, cfg, limit) for s in sets}


def eval_aaa(folder: Path, stem: str = "File156", cfg: ContourConfig | None = None,
             limit: int | None = None) -> dict[str, float]:
    """Extractor on raw frames vs AAA splines; MSD in mm (and in pixels of a fan image with
    one pixel per echo sample, i.e. mm * PixelsPerMm)."""
    from artimap.io.aaa_spline import read_aaa_splines
    from artimap.io.ult import find_param, read_param, read_ult

    params = read_param(find_param(folder / f"{stem}.ult"))
    geo = ProbeGeometry.from_params(params)
    splines = read_aaa_splines(folder / f"{stem}_splines.csv")
    frames = np.asarray(read_ult(folder / f"{stem}.ult", params))
    at = splines.frame_indices(params)[:limit]
    got_raw = extract_raw(frames[at], cfg, scanline_spacing(geo))  # (F', NV, 2) scanline, sample
    got = np.stack(geo.raw_to_mm(got_raw[..., 0], got_raw[..., 1]), -1)  # y away from the probe
    ref = np.stack(geo.polar_to_mm(splines.r_mm, splines.theta), -1)[:, AAA_IGNORE_FRONT:]
    out = _summary(_scores(got, ref, (0.0, 0.0), 1.0, 0.25), "mm")
    out.update({k.replace("_mm", "_px"): round(v * params.pixels_per_mm, 3)
                for k, v in out.items() if k.endswith("_mm")})
    out["n"] = len(at)
    return out
