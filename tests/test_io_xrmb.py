"""XRMB pellet tracks (.txy) and labels: units, rate, missing samples, phone2face corpus."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from artimap.cli import main
from artimap.errors import ArtimapError
from artimap.io.ema import read_ema
from artimap.io.xrmb import MISSING, PELLETS, read_txy, read_xrmb_lab


def write_txy(path, n=200, step_us=6866, lost=(), t0_us=1_000_000):
    """A made-up .txy: pellets on slow sines, in um, times in us; `lost` = (sample, pellet)."""
    t = np.arange(n) * step_us + t0_us
    k = np.arange(len(PELLETS))
    x = -20000 - 5000 * k[None] + 2000 * np.sin(t[:, None] * 1e-6 * (2 + k[None]))  # (F, 8) um
    y = -3000 * k[None] + 1500 * np.cos(t[:, None] * 1e-6 * (3 + k[None]))
    xy = np.stack([x, y], -1).reshape(n, -1)  # (F, 16)
    for f, m in lost:
        xy[f, 2 * m: 2 * m + 2] = MISSING
    path.write_text("".join(f"{ti:d} " + " ".join(f"{v:.0f}" for v in row) + "\n"
                            for ti, row in zip(t, xy)))
    return x, y


def test_read_txy_units_rate_missing(tmp_path):
    x, y = write_txy(tmp_path / "tp001.txy", lost=[(10, 2), (11, 2), (50, 7)])
    m = read_txy(tmp_path / "tp001.txy")
    assert m.labels == list(PELLETS) and m.points.shape == (200, 8, 3)
    assert m.rate == pytest.approx(1e6 / 6866)  # from the time column
    assert m.start_time == pytest.approx(1.0)
    assert np.isnan(m.points[[10, 11], 2]).all() and np.isnan(m.points[50, 7]).all()
    assert np.isfinite(m.points[12]).all() and (m.points[..., 2][np.isfinite(m.points[..., 2])]
                                                == 0).all()
    np.testing.assert_allclose(m.points[0, 0, :2], [round(x[0, 0]) / 1000, round(y[0, 0]) / 1000],
                               atol=1e-4)  # um -> mm


def test_txy_bad_line_and_ema_refusal(tmp_path):
    (tmp_path / "bad.txy").write_text("0 1 2 3\n")
    with pytest.raises(ArtimapError, match="17"):
        read_txy(tmp_path / "bad.txy")
    write_txy(tmp_path / "ok.txy", n=5)
    with pytest.raises(ArtimapError, match="not supported as EMA"):
        read_ema(tmp_path / "ok.txy")


def test_xrmb_corpus_prepares_for_phone2face(tmp_path):
    corpus = tmp_path / "xrmb" / "JW11"
    corpus.mkdir(parents=True)
    phones = ["sil", "b", "a", "d", "i", "sil"]
    for u in range(4):
        write_txy(corpus / f"tp{u:03d}.txy", n=300, lost=[(40 + u, 3)], t0_us=0)
        edges = np.linspace(0, 299 * 6866e-6, len(phones) + 1)
        (corpus / f"tp{u:03d}.lab").write_text("".join(
            f"{a:.4f} {b:.4f} {p}\n" for a, b, p in zip(edges[:-1], edges[1:], phones)))
    assert read_xrmb_lab(corpus / "tp000.lab").labels() == phones
    out = tmp_path / "prep"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # one worker: the utterances are read in this process, where their warnings are seen
        rc = main(["prepare", "phone2face", "--corpus", str(tmp_path / "xrmb"), "--out", str(out),
                   "--split", "50,25,25", "--fps", "100", "--workers", "1"])
    assert rc == 0
    head = [str(w.message) for w in caught if "head" in str(w.message)]
    assert len(head) == 1 and "XRMB pellets have no head markers" in head[0], head
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["utterances"]) == 4
    assert manifest["utterances"][0]["rate_in"] == pytest.approx(1e6 / 6866, rel=1e-3)
    pts = np.load(out / "markers.npy")
    assert pts.shape[1:] == (8, 3) and np.isfinite(pts).all()
