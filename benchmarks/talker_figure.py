"""One picture of a talker corpus: a lip frame, the ultrasound fan with the true contour, the
face markers and the speech's spectrogram with its phones.

Reads only the corpus files, through artimap's readers, so it draws any talker (the built-in
one or an engine's such as the VocalTractLab talker B):

    python benchmarks/talker_figure.py --corpus T --out benchmarks/figures/talker_b_vtl.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from artimap.io.c3d import read_c3d  # noqa: E402
from artimap.io.textgrid import read_textgrid  # noqa: E402
from artimap.io.ult import read_param, read_ult  # noqa: E402
from artimap.io.video import read_video  # noqa: E402
from artimap.io.wav import read_wav  # noqa: E402
from artimap.synth.truth import read_contour_csv, read_corpus_json  # noqa: E402
from artimap.ultrasound.scanconv import ScanConverter  # noqa: E402

VOWELS = ("a", "A", "i", "e", "E", "o", "O", "u", "y")


def _vowel_time(phones, prefer: str = "a") -> float:
    """Centre of the longest `prefer` vowel, else of the longest oral vowel, else the middle."""
    for labels in ((prefer,), VOWELS):
        found = [iv for iv in phones if iv.label in labels]
        if found:
            best = max(found, key=lambda iv: iv.end - iv.start)
            return 0.5 * (best.start + best.end)
    return 0.5 * phones.intervals[-1].end


def _spectrogram(ax, wav: Path, phones) -> None:
    samples, rate = read_wav(wav)
    x = samples.astype(np.float64)
    x = x[:, 0] if x.ndim == 2 else x
    x = x + np.random.default_rng(0).normal(0.0, 1.0, len(x))  # 1 LSB of noise: no log(0)
    top = 20 * np.log10(max(np.abs(x).max(), 1.0))
    ax.specgram(x, NFFT=512, Fs=rate, noverlap=448, cmap="magma", vmin=top - 100)
    ax.set_ylim(0, 5000)
    for iv in phones:
        if iv.label not in ("sil", "sp", ""):
            ax.axvline(iv.start, color="w", lw=0.4, alpha=0.6)
            ax.text(0.5 * (iv.start + iv.end), 4700, iv.label, color="w", ha="center", fontsize=7)
    ax.set(xlabel="time (s)", ylabel="Hz", title=f"{wav.name}: spectrogram")


def draw(corpus: Path, out: Path, utt: int = 0) -> None:
    """Write the picture of utterance `utt` (0-based) of `corpus` to `out`."""
    meta = read_corpus_json(corpus)
    files = {k: corpus / v for k, v in meta["utterances"][utt]["files"].items()}
    phones = read_textgrid(files["textgrid"], tier="phones")
    t = _vowel_time(phones)
    video, fps = read_video(files["video"])
    prm = read_param(files["param"])
    ult = np.asarray(read_ult(files["ultrasound"], prm))
    k = int(np.clip(round((t - prm.time_first_frame) * prm.frames_per_sec), 0, len(ult) - 1))
    conv = ScanConverter(prm, flip_vertical=True)
    _, raw, _ = read_contour_csv(files["contour"])
    cx, cy = conv.raw_to_image(raw[k, :, 0], raw[k, :, 1])
    motion = read_c3d(files["c3d"])
    m = int(np.clip(round(t * motion.rate), 0, motion.n_frames - 1))
    face = motion.points[m, :44]  # (44, 3) mm
    fig = plt.figure(figsize=(12, 7))
    grid = fig.add_gridspec(2, 3, height_ratios=[1.1, 1])
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(video[min(int(round(t * fps)), len(video) - 1)], cmap="gray")
    ax.set(title=f"lip video at {t:.2f} s", xticks=[], yticks=[])
    ax = fig.add_subplot(grid[0, 1])
    ax.imshow(conv(ult[k:k + 1])[0], cmap="gray")
    ax.plot(cx, cy, "c-", lw=1, label="true contour")
    ax.set(title=f"ultrasound frame {k} (fan)", xticks=[], yticks=[])
    ax.legend(loc="lower right", fontsize=7)
    ax = fig.add_subplot(grid[0, 2])
    ax.plot(face[:, 0], face[:, 1], "k.", ms=5)
    ax.set(title="44 face markers (x, y mm)", aspect="equal")
    _spectrogram(fig.add_subplot(grid[1, :]), files["audio"], phones)
    fig.suptitle(f"{corpus.name}: {meta.get('engine', 'built-in')} talker, "
                 f"{meta['utterances'][utt]['id']} ({meta['utterances'][utt]['prompt']})")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=85)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--utterance", type=int, default=0, help="0-based index in corpus.json")
    a = p.parse_args()
    draw(a.corpus, a.out, a.utterance)


if __name__ == "__main__":
    main()
