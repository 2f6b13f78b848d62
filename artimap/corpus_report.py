"""Report section describing a virtual-talker corpus, read back from its files on disk.

Everything shown is read through the same readers a user's corpus goes through (TextGrid,
mp4, .ult + .param, .c3d), so the pictures double as a visual check of the files.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from artimap import plots
from artimap.io.c3d import read_c3d
from artimap.io.textgrid import read_textgrid
from artimap.io.ult import read_param, read_ult
from artimap.io.video import read_video
from artimap.report import Report
from artimap.synth.truth import read_contour_csv, read_corpus_json
from artimap.ultrasound.scanconv import ScanConverter


def _statistics(meta: dict, root: Path) -> tuple[list[list], Counter]:
    utts = meta["utterances"]
    phones: Counter = Counter()
    for u in utts:
        phones.update(read_textgrid(root / u["files"]["textgrid"], tier="phones").labels())
    total = sum(u["duration"] for u in utts)
    frames = {k: sum(u["frames"][k] for u in utts) for k in ("video", "ultrasound", "markers")}
    rates, sizes, markers = meta["rates"], meta["sizes"], meta["markers"]
    rows = [
        ["speakers", len(meta["speakers"])],
        ["utterances", len(utts)],
        ["recorded time (s)", round(total, 1)],
        ["phone tokens (incl. silences)", sum(phones.values())],
        ["lip video", f"{frames['video']} frames, {rates['video_fps']:g} fps, "
                      f"{sizes['video'][1]}x{sizes['video'][0]}"],
        ["ultrasound", f"{frames['ultrasound']} frames, ~{rates['ultrasound_fps']:g} fps, "
                       f"{sizes['ultrasound'][0]} scanlines x {sizes['ultrasound'][1]} samples"],
        ["face markers", f"{frames['markers']} frames, {rates['markers_fps']:g} fps, "
                         f"{len(markers['face'])} face + {len(markers['head'])} head"],
    ]
    return rows, phones


def _first_centre(alignment, wanted: set[str]) -> float:
    """Time (s) of the centre of the first interval labelled one of `wanted` (else mid-file)."""
    for iv in alignment:
        if iv.label in wanted:
            return (iv.start + iv.end) / 2
    return alignment.end / 2


def _lip_figure(root: Path, utt: dict, roi: list[int], alignment) -> object:
    frames, fps = read_video(root / utt["files"]["video"])
    k = min(len(frames) - 1, int(_first_centre(alignment, {"a", "E", "O"}) * fps))
    img = cv2.cvtColor(frames[k], cv2.COLOR_GRAY2BGR)
    x, y, w, h = roi
    cv2.rectangle(img, (x, y), (x + w, y + h), (0, 200, 255), 1)
    return plots.image_with_points(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY),
                                   title=f"{utt['id']} lip frame {k} (box: mouth ROI hint)")


def _ultrasound_figure(root: Path, utt: dict, alignment) -> object:
    params = read_param(root / utt["files"]["param"])
    ult = read_ult(root / utt["files"]["ultrasound"], params)
    times, raw, _ = read_contour_csv(root / utt["files"]["contour"])
    t_mid = _first_centre(alignment, {"i", "u", "a", "k", "t"})
    k = int(np.clip(np.searchsorted(times, t_mid), 0, len(ult) - 1))
    conv = ScanConverter(params, scale=2.0)
    x, y = conv.raw_to_image(raw[k, :, 0], raw[k, :, 1])
    return plots.image_with_points(conv(np.asarray(ult[k])), np.stack([x, y], axis=1),
                                   title=f"ultrasound frame {k}, true contour in red")


def corpus_section(report: Report, corpus: str | Path, max_utterances: int = 1000) -> None:
    """Append corpus statistics and pictures of one utterance to `report`."""
    root = Path(corpus)
    meta = read_corpus_json(root)
    meta = {**meta, "utterances": meta["utterances"][:max_utterances]}
    rows, phones = _statistics(meta, root)
    report.heading("The virtual talker corpus")
    report.text(f"{root} (preset {meta['preset']}, seed {meta['seed']}); every picture below "
                "is read back from the corpus files with the same readers used for real data.")
    report.table(["", "value"], rows)
    top = phones.most_common(12)
    report.table(["phone", "count"], [[p, c] for p, c in top], caption="most frequent phones")
    utt = meta["utterances"][0]
    alignment = read_textgrid(root / utt["files"]["textgrid"], tier="phones")
    report.figure(_lip_figure(root, utt, meta["lip_roi"], alignment), "A lip video frame.")
    report.figure(_ultrasound_figure(root, utt, alignment),
                  "A raw ultrasound frame scan-converted to the fan image, probe at the top.")
    motion = read_c3d(root / utt["files"]["c3d"])
    first = int(np.argmax(motion.valid.all(axis=1)))
    report.figure(plots.marker_layout(motion.points[first], motion.labels, meta["markers"]["lips"]),
                  "Marker layout (first complete frame of the .c3d, head motion included).")
    artic = np.load(root / utt["files"]["artic"])[::10]  # 1 kHz -> 100 Hz for plotting
    t = np.arange(len(artic)) / (meta["rates"]["artic_fps"] / 10)
    spans = [(iv.start, iv.end, iv.label) for iv in alignment]
    report.figure(plots.trajectories_with_phones(t, artic, meta["artic_params"], spans),
                  f"True articulatory trajectories of {utt['id']} with phone boundaries.")
