"""CW-SSIM: known properties, a brute-force check of the window formula, pyssim parity."""

import numpy as np
import pytest
from scipy import ndimage

from artimap.metrics import cw_ssim as cwssim
from artimap.metrics.cw_ssim import cw_ssim, cw_ssim_pyssim


def _image(seed=0, shape=(64, 96)):
    rng = np.random.default_rng(seed)
    x = ndimage.gaussian_filter(rng.random(shape), 2.0)
    return (255 * (x - x.min()) / np.ptp(x)).astype(np.uint8)


def test_identical_images_give_exactly_one():
    x = _image()
    assert cw_ssim(x, x) == 1.0
    assert cw_ssim(np.stack([x, x[::-1]]), np.stack([x, x[::-1]])) == 1.0
    assert cw_ssim(x, x, level=0, orientations=6) == 1.0


def test_zero_energy_counts_as_agreement():
    z = np.zeros((64, 64))
    assert cw_ssim(z, z) == 1.0
    assert cw_ssim(z, z, K=0.5) == 1.0


def test_degrades_monotonically_with_noise_and_shift():
    x = _image(1).astype(float)
    rng = np.random.default_rng(5)
    noise = rng.normal(size=x.shape)
    by_noise = [cw_ssim(x, x + s * noise) for s in (0, 5, 20, 60)]
    assert all(a > b for a, b in zip(by_noise, by_noise[1:], strict=False))
    by_shift = [cw_ssim(x, np.roll(x, s, axis=1)) for s in (0, 2, 4, 8)]
    assert all(a > b for a, b in zip(by_shift, by_shift[1:], strict=False))
    # scaling both images together changes nothing (K=0); a contrast change does
    y = x + 20 * noise
    assert cw_ssim(3 * x, 3 * y) == pytest.approx(cw_ssim(x, y), abs=1e-12)
    assert cw_ssim(x, 0.5 * x) == pytest.approx(2 * 0.5 / (1 + 0.25), abs=1e-12)


def test_window_formula_brute_force():
    x, y = _image(2, (32, 48)).astype(float), _image(3, (32, 48)).astype(float)
    level, orients, k, win = 1, 4, 0.0, 7
    bx, by = cwssim._bands(x, level, orients), cwssim._bands(y, level, orients)
    vals = []
    for o in range(orients):
        h, w = bx.shape[1] - win + 1, bx.shape[2] - win + 1
        s = np.empty((h, w))
        for i in range(h):
            for j in range(w):
                a, b = bx[o, i:i + win, j:j + win], by[o, i:i + win, j:j + win]
                s[i, j] = (2 * abs((a * b.conj()).sum()) + k) / (
                    (abs(a) ** 2).sum() + (abs(b) ** 2).sum() + k)
        wts = cwssim._map_weights(h, w)
        vals.append((s * wts).sum() / wts.sum())
    assert cw_ssim(x, y, level=level, orientations=orients) == pytest.approx(np.mean(vals))


def test_level_choice_and_errors():
    assert cwssim.default_level((64, 128)) == 3  # 8 x 16 subbands
    assert cwssim.default_level((96, 96)) == 3
    with pytest.raises(ValueError):
        cw_ssim(np.zeros((6, 6)), np.zeros((6, 6)))
    with pytest.raises(ValueError):
        cw_ssim(np.zeros((64, 64)), np.zeros((64, 63)))


def test_pyssim_parity():
    ssim_pkg = pytest.importorskip("ssim")
    from PIL import Image

    x = _image(4, (40, 56))
    rng = np.random.default_rng(6)
    for sigma in (5, 30):
        y = np.clip(x + rng.normal(0, sigma, x.shape), 0, 255).astype(np.uint8)
        for width in (30, 8):
            ref = ssim_pkg.SSIM(Image.fromarray(x)).cw_ssim_value(Image.fromarray(y), width)
            assert abs(cw_ssim_pyssim(x, y, width=width) - ref) < 1e-3
            assert cw_ssim_pyssim(x, y, width=width) == pytest.approx(ref, abs=1e-9)
    # an RGB reference goes through PIL's luma conversion in pyssim; ours takes gray arrays
    rgb = np.stack([x, x, x], axis=-1)
    ref = ssim_pkg.SSIM(Image.fromarray(rgb)).cw_ssim_value(Image.fromarray(y))
    assert cw_ssim_pyssim(x, y) == pytest.approx(ref, abs=1e-9)
    assert cw_ssim_pyssim(x, x) == pytest.approx(1.0, abs=1e-12)
