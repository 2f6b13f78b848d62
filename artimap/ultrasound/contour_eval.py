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

import csv
import os
import re
from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError
from artimap.io.aaa_spline import read_aaa_splines
from artimap.io.dlc import read_dlc_csv
from artimap.metrics.contour import msd
from artimap.ultrasound.contour_config import ContourConfig
from artimap.ultrasound.contour_run import Contours, extract_source
from artimap.ultrasound.contour_source import ContourSource, load_source
from artimap.ultrasound.geometry import ProbeGeometry

TONGUE_POINTS = ("vallecula", "tongueRoot1", "tongueRoot2", "tongueBody1", "tongueBody2",
                 "tongueDorsum1", "tongueDorsum2", "tongueBlade1", "tongueBlade2",
                 "tongueTip1", "tongueTip2")
AAA_IGNORE_FRONT = 11  # spline_config.yaml: ignore_points [11, 0]

# What each key of a summary means (UNIT is px or mm); written beside the numbers.
SUMMARY_LEGEND = {
    "n": "reference frames scored",
    "msd_UNIT": "extracted contour vs the reference (hand labels or AAA spline), mean over "
                "frames of the MSD: the mean distance from every point of either contour to "
                "the nearest point of the other, both resampled every 1 px (0.25 mm)",
    "baseline_UNIT": "the naive reference scored the same way: per frame, the mean reference "
                     "contour of the recording's other frames (leave-one-out); the extractor "
                     "is useful where msd < baseline",
    "msd_r_UNIT": "msd restricted to the extracted points within the angular span of the "
                  "reference contour seen from the fan apex: ignores where the extractor goes "
                  "on past the labelled ends",
    "baseline_r_UNIT": "baseline restricted the same way",
    "msd_median_UNIT": "median over frames of msd",
    "baseline_median_UNIT": "median over frames of baseline",
    "missed": "frames in which no contour point was found (left out of the means)",
}


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


def nan_mean(x: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """Mean of the finite values along `axis`; NaN where there are none, without numpy's
    "Mean of empty slice" warning (a label point no other frame has, a set with no scores)."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    n = ok.sum(axis=axis)
    total = np.where(ok, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    return float(mean) if mean.ndim == 0 else mean


def _scores(got, refs, origin, up, step) -> dict[str, list[float]]:
    """Per-frame MSDs of extracted contours got[i] vs refs[i] and of the mean of all other refs.

    got: F' contours (K, 2), the first F' of refs (F, R, 2).
    """
    out: dict[str, list[float]] = {"msd": [], "baseline": [], "msd_r": [], "baseline_r": []}
    for i in range(len(got)):
        dense_ref = densify(refs[i], step)
        mean_other = densify(nan_mean(np.delete(refs, i, axis=0), axis=0), step)
        dense_got = densify(got[i], step)
        for key, pts in (("msd", dense_got), ("baseline", mean_other)):
            out[key].append(msd(pts, dense_ref) if len(pts) else np.nan)
            near = within_span(pts, dense_ref, origin, up)
            out[key + "_r"].append(msd(near, dense_ref) if len(near) else np.nan)
    return out


def _nan_median(v: list[float]) -> float:
    finite = np.asarray(v, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if len(finite) else float("nan")


def _summary(scores: dict[str, list[float]], unit: str) -> dict[str, float]:
    s = {f"{k}_{unit}": round(nan_mean(v), 3) for k, v in scores.items()}
    for k in ("msd", "baseline"):
        s[f"{k}_median_{unit}"] = round(_nan_median(scores[k]), 3)
    s["missed"] = int(np.isnan(scores["msd"]).sum())
    return s


def label_indices(bodyparts: list[str], points: list[str] | None = None) -> list[int]:
    """Columns of the reference polyline: `points` in order, else the 11 tongue points when all
    are present, else every body part in file order."""
    want = points or (list(TONGUE_POINTS) if set(TONGUE_POINTS) <= set(bodyparts) else bodyparts)
    missing = [p for p in want if p not in bodyparts]
    if missing:
        raise ArtimapError(f"labels lack the points {missing}; they have {bodyparts}")
    return [bodyparts.index(p) for p in want]


def _frame_of(entry: str | int, src: ContourSource) -> int | None:
    """Source frame of one DLC index entry: a frame number, an image name of an image folder, or
    the number in an image name (`img0081.png` = frame 81, from 0) for videos and recordings."""
    if isinstance(entry, int):
        return entry if 0 <= entry < len(src.names) else None
    name = Path(entry).name
    if src.kind == "frames":
        return src.names.index(name) if name in src.names else None
    digits = re.findall(r"\d+", name)
    k = int(digits[-1]) if digits else -1
    return k if 0 <= k < len(src.names) else None


def match_labels(src: ContourSource, labels: str | Path, points: list[str] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Hand labels of a DLC CSV placed on the source's frames: (labelled frame numbers (N,),
    reference points (N, K, 2) px). Frames without any label point are left out."""

    dlc = read_dlc_csv(labels)
    idx = label_indices(dlc.bodyparts, points)
    at = [_frame_of(e, src) for e in dlc.index]
    keep = [i for i, f in enumerate(at) if f is not None
            and np.isfinite(dlc.points[i, idx]).all(-1).any()]
    if not keep:
        raise ArtimapError(f"{labels}: none of its {len(at)} rows names a frame of {src.path} "
                           "(image names for a folder, frame numbers or imgN names otherwise)")
    return np.array([at[i] for i in keep]), dlc.points[keep][:, idx]


def eval_labels(src: ContourSource, c: Contours, labels: str | Path,
                points: list[str] | None = None, limit: int | None = None
                ) -> tuple[list[dict], dict[str, float]]:
    """Extracted contours vs hand labels: per-frame rows and the summary (px, and mm when the
    source's geometry is known). The reference for each frame is the mean labelled contour of
    the other labelled frames; limit: score only the first `limit` labelled frames."""
    at, refs = match_labels(src, labels, points)
    got = c.px[at[:limit]]
    per = {"px": _scores(got, refs, c.origin, c.up, 1.0)}
    if c.mm is not None and src.fan is not None:
        refs_mm = np.stack(src.fan.pixel_to_mm(refs[..., 0], refs[..., 1]), -1)
        per["mm"] = _scores(c.mm[at[:limit]], refs_mm, (0.0, 0.0), 1.0, 0.25)
    rows = [{"frame": int(f), "name": src.names[f]} for f in at[:limit]]
    summary: dict = {"n": len(rows)}
    for unit, scores in per.items():
        summary.update(_summary(scores, unit))
        for k, v in scores.items():
            for row, x in zip(rows, v):
                row[f"{k}_{unit}"] = round(float(x), 4)
    return rows, summary


def eval_splines(src: ContourSource, c: Contours, splines: str | Path,
                 limit: int | None = None) -> tuple[list[dict], dict[str, float]]:
    """Extracted contours of a raw recording vs its AAA spline export; MSD in mm (and in
    pixels of a fan image with one pixel per echo sample, i.e. mm * PixelsPerMm)."""

    if src.kind != "ult":
        raise ArtimapError(f"{splines}: AAA splines are compared with a raw .ult recording, "
                           f"not with {src.path}")
    sp = read_aaa_splines(splines)
    at = sp.frame_indices(src.params)[:limit]
    ref = np.stack(ProbeGeometry.polar_to_mm(sp.r_mm, sp.theta), -1)[:, AAA_IGNORE_FRONT:]
    scores = _scores(c.mm[at], ref, (0.0, 0.0), 1.0, 0.25)
    summary: dict = {"n": len(at), **_summary(scores, "mm")}
    summary.update({k.replace("_mm", "_px"): round(v * src.params.pixels_per_mm, 3)
                    for k, v in summary.items() if k.endswith("_mm")})
    rows = [{"frame": int(f), "name": src.names[f],
             **{f"{k}_mm": round(float(v[i]), 4) for k, v in scores.items()}}
            for i, f in enumerate(at)]
    return rows, summary


def eval_labelled_set(folder: Path, cfg: ContourConfig | None = None,
                      limit: int | None = None) -> dict[str, float]:
    """Extractor vs hand labels of one `labeled-data/<set>` folder; MSD in image pixels.

    The same as `artimap contour <set> --labels <set>/CollectedData_*.csv`."""
    csvs = sorted(Path(folder).glob("CollectedData_*.csv"))
    if not csvs:
        raise ArtimapError(f"{folder}: no CollectedData_*.csv. Point at a labeled-data/<set>")
    src = load_source(folder)
    return eval_labels(src, extract_source(src, cfg), csvs[0], limit=limit)[1]


def eval_ultrasound_labels(root: Path, cfg: ContourConfig | None = None,
                           limit: int | None = None) -> dict[str, dict[str, float]]:
    """`eval_labelled_set` for every set under root/labeled-data."""
    sets = sorted(p for p in (root / "labeled-data").iterdir() if p.is_dir())
    return {s.name: eval_labelled_set(s, cfg, limit) for s in sets}


def eval_aaa(folder: Path, stem: str = "File156", cfg: ContourConfig | None = None,
             limit: int | None = None) -> dict[str, float]:
    """Extractor on raw frames vs AAA splines (`eval_splines`); the same as
    `artimap contour <folder>/<stem>.ult --splines <folder>/<stem>_splines.csv`."""
    src = load_source(Path(folder) / f"{stem}.ult")
    return eval_splines(src, extract_source(src, cfg), Path(folder) / f"{stem}_splines.csv",
                        limit)[1]


def labels_on_frames(src: ContourSource, labels: str | Path, points: list[str] | None = None
                     ) -> np.ndarray:
    """Hand labels per source frame for drawing: (F, K, 2) px, NaN on unlabelled frames."""
    at, refs = match_labels(src, labels, points)
    out = np.full((len(src.names),) + refs.shape[1:], np.nan)
    out[at] = refs
    return out


def write_rows(path: str | Path, rows: list[dict]) -> None:
    """Per-frame scores as CSV (columns of the first row)."""

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["frame"])
        w.writeheader()
        w.writerows(rows)
