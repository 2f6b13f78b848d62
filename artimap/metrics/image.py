"""Image similarity: mean SSIM of two images or two stacks of frames (8-bit scale by default).

The complex-wavelet variants live in `artimap.metrics.cw_ssim`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from artimap.metrics.cw_ssim import as_frames

__all__ = ["ssim"]


def ssim(
    x: np.ndarray,
    y: np.ndarray,
    data_range: float = 255.0,
    gaussian: bool = True,
    win_size: int = 7,
    sigma: float = 1.5,
    sample_covariance: bool | None = None,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean SSIM of two images or two stacks of frames, averaged over frames.

    x, y: (H, W) or (F, H, W), any real dtype; compared as float64 with
    `data_range` the dynamic range (255 for 8-bit images; give 1.0 for images in [0, 1]).

    Per frame, local statistics are taken in a window around every pixel (borders mirrored,
    scipy.ndimage mode 'reflect'):
      - gaussian=True (default, Wang et al. 2004): Gaussian weights, `sigma` 1.5, truncated
        at 3.5 sigma (an 11x11 window); population covariance.
      - gaussian=False: `win_size` x `win_size` uniform window (7x7), sample covariance
        (divided by win_size**2 - 1), the scikit-image default.
    `sample_covariance` overrides the covariance choice. With C1 = (k1 L)^2, C2 = (k2 L)^2:
        S = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2)),
    averaged over the pixels at least (window - 1) / 2 from the border, then over frames.
    Equals skimage.metrics.structural_similarity(x_f, y_f, data_range=L,
    gaussian_weights=gaussian, use_sample_covariance=..., sigma=sigma, win_size=win_size).
    """
    a, b = as_frames(x), as_frames(y)
    if a.shape != b.shape:
        raise ValueError(f"ssim: shapes differ: {a.shape} vs {b.shape}")
    if gaussian:
        radius = int(3.5 * sigma + 0.5)
        win = 2 * radius + 1
        def filt(z):
            return ndimage.gaussian_filter(z, sigma, truncate=3.5, mode="reflect", axes=(1, 2))
    else:
        win = win_size
        def filt(z):
            return ndimage.uniform_filter(z, size=win, mode="reflect", axes=(1, 2))
    if min(a.shape[1:]) < win:
        raise ValueError(f"ssim: images {a.shape[1:]} smaller than the {win}x{win} window")
    use_sample = (not gaussian) if sample_covariance is None else sample_covariance
    norm = win * win / (win * win - 1) if use_sample else 1.0
    ux, uy = filt(a), filt(b)
    vx = norm * (filt(a * a) - ux * ux)
    vy = norm * (filt(b * b) - uy * uy)
    vxy = norm * (filt(a * b) - ux * uy)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    p = (win - 1) // 2
    per_frame = s[:, p : s.shape[1] - p, p : s.shape[2] - p].mean(axis=(1, 2))
    return float(per_frame.mean())
