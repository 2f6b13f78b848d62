"""Complex-wavelet structural similarity (CW-SSIM), in two explicitly named variants.

- `cw_ssim`: Sampat et al. 2009 on a complex steerable pyramid (pyrtools), the 2-D
  definition: local 7x7 windows of complex subband coefficients of one pyramid level.
- `cw_ssim_pyssim`: what pyssim 0.7.1's `SSIM(a).cw_ssim_value(b)` computes: a 1-D
  continuous wavelet transform (Mexican hat) of the row-major flattened grayscale image,
  compared per sample across scales. Offered to compare with papers that used pyssim.
"""

from __future__ import annotations

import numpy as np
from pyrtools.pyramids import SteerablePyramidFreq
from scipy.signal import fftconvolve


def as_frames(x: np.ndarray) -> np.ndarray:
    """(H, W) or (F, H, W) -> float64 (F, H, W)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        return x[None]
    if x.ndim != 3:
        raise ValueError(f"expected (H, W) or (F, H, W) images, got shape {x.shape}")
    return x


def _box_sum(z: np.ndarray, win: int) -> np.ndarray:
    """Sums over all win x win windows fully inside z: (..., h, w) -> (..., h-win+1, w-win+1)."""
    c = np.cumsum(np.cumsum(z, axis=-2), axis=-1)
    c = np.pad(c, [(0, 0)] * (z.ndim - 2) + [(1, 0), (1, 0)])
    return c[..., win:, win:] - c[..., :-win, win:] - c[..., win:, :-win] + c[..., :-win, :-win]


def _map_weights(h: int, w: int) -> np.ndarray:
    """(h, w) Gaussian centred on the map, sigma a quarter of the map size along each axis."""
    gy = np.exp(-0.5 * ((np.arange(h) - (h - 1) / 2) / max(h / 4, 1e-9)) ** 2)
    gx = np.exp(-0.5 * ((np.arange(w) - (w - 1) / 2) / max(w / 4, 1e-9)) ** 2)
    return gy[:, None] * gx[None, :]


def default_level(shape: tuple[int, int], window: int = 7) -> int:
    """Coarsest pyramid level (0 = finest) whose subbands are at least `window` pixels.

    The level-l subband of an (H, W) image is about (H / 2^l, W / 2^l); pyrtools also caps
    the number of levels at floor(log2(min(H, W))) - 2.
    """
    small = min(shape)
    cap = int(np.floor(np.log2(small))) - 3
    level = 0
    while level < cap and small // 2 ** (level + 1) >= window:
        level += 1
    if small // 2**level < window:
        raise ValueError(f"cw_ssim: image {shape} smaller than the {window}x{window} window")
    return level


def _bands(img: np.ndarray, level: int, orientations: int) -> np.ndarray:
    """Complex subbands of pyramid level `level`: (O, h, w)."""

    pyr = SteerablePyramidFreq(img, height=level + 1, order=orientations - 1, is_complex=True)
    return np.stack([pyr.pyr_coeffs[(level, o)] for o in range(orientations)])


def _cw_ssim_frame(x, y, level, orientations, k, window) -> float:
    cx, cy = _bands(x, level, orientations), _bands(y, level, orientations)  # (O, h, w)
    xr, xi, yr, yi = cx.real, cx.imag, cy.real, cy.imag
    # c_x conj(c_y) spelled out so that x == y gives bitwise equal numerator and denominator
    cross_re = _box_sum(xr * yr + xi * yi, window)  # (O, h', w')
    cross_im = _box_sum(xi * yr - xr * yi, window)
    energy = _box_sum(xr * xr + xi * xi, window) + _box_sum(yr * yr + yi * yi, window)
    num, den = 2 * np.hypot(cross_re, cross_im) + k, energy + k
    # 0/0 only where both windows hold no energy at all: the images agree there.
    s = np.divide(num, den, out=np.ones_like(den), where=den > 0)  # (O, h', w')
    wts = _map_weights(*s.shape[1:])
    return float(((s * wts).sum(axis=(1, 2)) / wts.sum()).mean())


def cw_ssim(
    x: np.ndarray,
    y: np.ndarray,
    level: int | None = None,
    orientations: int = 4,
    K: float = 0.0,  # noqa: N803 (the paper's name)
    window: int = 7,
) -> float:
    """CW-SSIM of Sampat et al. 2009; per frame, averaged over frames.

    x, y: (H, W) or (F, H, W) real images (any range: with K=0, scaling both by one factor
    changes nothing).
    Each frame is decomposed by a complex steerable pyramid (pyrtools SteerablePyramidFreq,
    is_complex=True, `orientations` bands per level, height level + 1). For each subband
    c_x, c_y of pyramid level `level` (0 = finest; None = the coarsest level whose subbands
    are at least `window` pixels, see `default_level`), in every window x window window:
        S = (2 |sum c_x conj(c_y)| + K) / (sum |c_x|^2 + sum |c_y|^2 + K)
    The S map (valid windows only) is averaged with a Gaussian weight centred on the map
    (sigma a quarter of the map size per axis), then over orientations, then frames.
    With K=0 a window where both images have zero energy is 0/0 and counts as S=1.
    Identical images give exactly 1; the index is 1 only for equal phase structure.
    """
    a, b = as_frames(x), as_frames(y)
    if a.shape != b.shape:
        raise ValueError(f"cw_ssim: shapes differ: {a.shape} vs {b.shape}")
    if orientations < 1:
        raise ValueError(f"cw_ssim: orientations must be >= 1, got {orientations}")
    lev = default_level(a.shape[1:], window) if level is None else int(level)
    size = min(a.shape[1:]) // 2**lev
    if size < window:
        raise ValueError(f"cw_ssim: level {lev} subbands (~{size} px) smaller than {window}")
    return float(np.mean([_cw_ssim_frame(p, q, lev, orientations, K, window)
                          for p, q in zip(a, b, strict=True)]))


# ------------------------------------------------------------ pyssim-compatible variant

_PRECISION = 12  # the wavelet is tabulated on 2**12 points over [-8, 8]


def _mexh_kernels(width: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Derivative kernels of the integrated Mexican hat for scales 1..width.

    Returns kernels (S, L), the output offset into the full convolution, and sqrt(scales).
    The transform at scale s is -sqrt(s) * d/dn (signal * integral-of-psi sampled at s),
    i.e. the wavelet psi(t) = 2 / (sqrt(3) pi^(1/4)) (1 - t^2) exp(-t^2 / 2) integrated by a
    cumulative sum on the table, sampled at floor(n / (s * step)) for n = 0..16 s,
    and the result centred on the input samples.
    """
    t = np.linspace(-8.0, 8.0, 2**_PRECISION)
    step = t[1] - t[0]
    psi = 2.0 / (np.sqrt(3.0) * np.pi**0.25) * (1.0 - t**2) * np.exp(-(t**2) / 2.0)
    table = np.cumsum(psi) * step
    diffs, offsets = [], []
    for s in range(1, width + 1):
        j = (np.arange(s * (t[-1] - t[0]) + 1) / (s * step)).astype(int)
        k = table[j[j < table.size]][::-1]  # (L,)
        diffs.append(np.diff(np.concatenate([[0.0], k, [0.0]])))  # (L + 1,)
        offsets.append((len(k) - 2) // 2)
    top = max(offsets)
    length = max(top - o + len(d) for o, d in zip(offsets, diffs, strict=True))
    kernels = np.zeros((width, length))
    for i, (o, d) in enumerate(zip(offsets, diffs, strict=True)):
        kernels[i, top - o : top - o + len(d)] = d
    return kernels, top + 1, np.sqrt(np.arange(1, width + 1))


def _pyssim_frame(a: np.ndarray, b: np.ndarray, kernels, start, gain, k: float) -> float:
    n = a.size
    sig = np.stack([a.ravel(), b.ravel()])[:, None, :]  # (2, 1, N)
    coef = fftconvolve(sig, kernels[None], axes=-1)[..., start : start + n]  # (2, S, N)
    c1, c2 = -gain[:, None] * coef[0], -gain[:, None] * coef[1]  # (S, N) each
    prod = c1 * c2
    num1 = 2 * np.abs(prod).sum(axis=0) + k
    den1 = (c1**2).sum(axis=0) + (c2**2).sum(axis=0) + k
    num2 = 2 * np.abs(prod.sum(axis=0)) + k
    return float(np.mean((num1 / den1) * (num2 / (2 * np.abs(prod).sum(axis=0) + k))))


def cw_ssim_pyssim(x: np.ndarray, y: np.ndarray, width: int = 30, k: float = 0.01) -> float:
    """pyssim-compatible CW-SSIM (pyssim 0.7.1 `SSIM(x).cw_ssim_value(y, width)`).

    x, y: (H, W) or (F, H, W) grayscale images (per frame, averaged over frames).
    pyssim reads images with PIL and converts them to 8-bit grayscale ('L'; a target of a
    different size is resized to the reference's with Lanczos); pass uint8 arrays (or
    values already rounded to 0..255) for identical numbers; here shapes must match.
    Each image is flattened row by row into one signal of H*W samples and transformed with
    a real continuous wavelet transform (PyWavelets `cwt(signal, 1..width, 'mexh')`,
    reimplemented here with FFT convolution), giving coefficients c (S=width, N). Per sample:
        m = (2 sum_s |c1 c2| + k) / (sum_s c1^2 + sum_s c2^2 + k)
            * (2 |sum_s c1 c2| + k) / (2 sum_s |c1 c2| + k)
    and the index is the mean of m over the N samples. Note it mixes rows (the flattening
    wraps) and is not the 2-D steerable-pyramid CW-SSIM of `cw_ssim`.
    """
    a, b = as_frames(x), as_frames(y)
    if a.shape != b.shape:
        raise ValueError(f"cw_ssim_pyssim: shapes differ: {a.shape} vs {b.shape}")
    if width < 1:
        raise ValueError(f"cw_ssim_pyssim: width must be >= 1, got {width}")
    kernels, start, gain = _mexh_kernels(int(width))
    return float(np.mean([_pyssim_frame(p, q, kernels, start, gain, k)
                          for p, q in zip(a, b, strict=True)]))
