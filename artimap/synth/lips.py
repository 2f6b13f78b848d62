"""Lip video renderer: the mouth region as a grey-level camera sees it (320x240, 60 fps).

The lips are two bright bands around a dark opening. The opening's height follows lip
aperture, the mouth's width follows spreading (wider) and protrusion (narrower, thicker lips);
the upper teeth show when the lips part, the lower teeth when the jaw drops further; a crease
under the lower lip follows the jaw. The inside of the mouth has one constant tone: it carries
no tongue cue (an earlier renderer brightened it with the tongue-tip height, which put the
tongue inside the "lip" image: the true lip parameters alone, the lip oracle, could not see
it, while a model could; corpus.json records `lip_tongue_cue`).
Skin texture, slow illumination drift, head jitter, optical blur and camera noise make it
look recorded.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from artimap.synth.phones import PARAMS
from artimap.synth.presets import VIDEO_SIZE
from artimap.synth.speaker import STREAMS, Speaker, make_speaker, smooth_noise, stream_rng

PAD = 8  # skin texture margin for head jitter, pixels
_U = np.linspace(-1.0, 1.0, 25)  # polygon samples across the mouth width
_BOW = 3.5 * np.exp(-(((np.abs(_U) - 0.22) / 0.1) ** 2)) - 2.0 * np.exp(-((_U / 0.08) ** 2))
_OUTER = (1.0 - _U**2) ** 0.35
_TEETH = np.abs(_U) < 0.6
_SHIFT = 4  # fractional bits of polygon coordinates
CAVITY_TONE = 24.0  # grey level of the mouth's inside (the old cue's value at mid tip height)
_J, _A, _P, _S = (PARAMS.index(p) for p in (
    "jaw", "lip_aperture", "lip_protrusion", "lip_spreading"))  # fmt: skip


@lru_cache(maxsize=8)
def skin_texture(speaker_index: int, seed: int) -> np.ndarray:
    """(H + 2 PAD, W + 2 PAD) uint8 skin of one speaker: blotches, pores and shading."""
    sp = make_speaker(speaker_index, seed)
    rng = stream_rng(seed, STREAMS["skin"], speaker_index)
    h, w = VIDEO_SIZE[0] + 2 * PAD, VIDEO_SIZE[1] + 2 * PAD
    blotch = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 10)
    pores = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.2)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    nose = np.exp(-(((x - w / 2) / 70) ** 2 + ((y + 20) / 45) ** 2))  # shadow under the nose
    sides = ((x - w / 2) / (w / 2)) ** 2  # cheeks turn away from the light
    skin = sp.skin + 120 * blotch + 12 * pores - 35 * nose - 25 * sides - 0.08 * (y - h / 2)
    return np.clip(skin, 0, 255).astype(np.uint8)


def lip_geometry(state: np.ndarray, sp: Speaker, shift: np.ndarray) -> dict[str, np.ndarray]:
    """Lip outlines per frame: state (F, N) articulatory, shift (F, 2) head jitter in px.

    Returns boundary y-coordinates (F, 25) for 'x', 'top_out', 'top_in', 'bot_in', 'bot_out',
    'crease', and per-frame values (F,) 'teeth_top', 'teeth_bot'.
    """
    jaw, ap, pro, spr = (state[:, i].astype(np.float64) for i in (_J, _A, _P, _S))
    x0 = VIDEO_SIZE[1] / 2 + shift[:, 0]
    y0 = sp.mouth_y + shift[:, 1]
    w = sp.mouth_half_width * (1 + 0.22 * (spr - 0.4) - 0.25 * (pro - 0.4))  # (F,)
    wi = w * (0.95 - 0.35 * pro)  # the opening narrows when rounded
    gap = 60.0 * ap  # opening height, px
    thick = 1.0 + 0.3 * pro  # protruded lips evert and look thicker
    x = x0[:, None] + w[:, None] * _U  # (F, 25)
    inner = np.sqrt(np.clip(1.0 - ((x - x0[:, None]) / wi[:, None]) ** 2, 0.0, 1.0))
    line = y0[:, None] - 9.0 * (spr - 0.4)[:, None] * _U**2  # corners rise when spread
    top_in = line - 0.3 * gap[:, None] * inner
    bot_in = line + 0.7 * gap[:, None] * inner
    return {
        "x": x,
        "top_in": top_in,
        "bot_in": bot_in,
        "top_out": top_in - sp.upper_lip * thick[:, None] * _OUTER - _BOW,
        "bot_out": bot_in + sp.lower_lip * thick[:, None] * _OUTER,
        "crease": bot_in + sp.lower_lip * thick[:, None] * _OUTER + 12 + 20 * jaw[:, None],
        "teeth_top": y0 + 4.0,
        "teeth_bot": y0 + 10.0 + 40.0 * jaw,
    }


def _poly(x: np.ndarray, y_fwd: np.ndarray, y_back: np.ndarray) -> np.ndarray:
    """Closed outlines (F, 2n, 2) int32 in fixed point from (F, n) arrays: along y_fwd, back
    along y_back."""
    fwd = np.stack([x, y_fwd], -1)  # (F, n, 2)
    back = np.stack([x, y_back], -1)[:, ::-1]
    pts = np.round(np.concatenate([fwd, back], 1) * (1 << _SHIFT))
    return np.ascontiguousarray(pts, dtype=np.int32)


def _layers(g: dict, tones: tuple[float, ...]) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Polygons (F, 2n, 2), grey levels (F,) and line types, drawn in this order (the blur
    that follows smooths the edges drawn without anti-aliasing)."""
    upper, lower, cavity, skin = tones
    n = len(cavity)
    x, ti, bi, bo, cr = (g[k] for k in ("x", "top_in", "bot_in", "bot_out", "crease"))
    mid = 0.5 * (bi + bo)  # a highlight along the lower lip
    xt, tt, bt = x[:, _TEETH], ti[:, _TEETH], bi[:, _TEETH]
    upper_edge = np.maximum(tt, np.minimum(bt, g["teeth_top"][:, None]))
    lower_edge = np.minimum(bt, np.maximum(tt, g["teeth_bot"][:, None]))
    full = np.ones(n)
    return [
        (_poly(x[:, 6:-6], cr[:, 6:-6] - 3, cr[:, 6:-6] + 3), full * (skin - 30), cv2.LINE_8),
        (_poly(x, g["top_out"], ti), full * upper, cv2.LINE_AA),
        (_poly(x, bi, bo), full * lower, cv2.LINE_AA),
        (_poly(x[:, 4:-4], mid[:, 4:-4] - 3.0, mid[:, 4:-4] + 1.5), full * (lower + 22),
         cv2.LINE_8),
        (_poly(x, ti, bi), cavity, cv2.LINE_AA),
        (_poly(xt, tt, upper_edge), full * 205, cv2.LINE_8),
        (_poly(xt, lower_edge, bt), full * 170, cv2.LINE_8),
    ]


def _mouth_rows(g: dict, shape: tuple[int, int]) -> tuple[int, int]:
    """Rows that the mouth can touch in any frame, with a margin for the blur."""
    top = int(np.floor(np.min(g["top_out"]))) - 4
    bottom = int(np.ceil(np.max(g["crease"]))) + 8
    return max(top, 0), min(max(bottom, top + 1), shape[0])


def render_lips(
    state: np.ndarray, times: np.ndarray, sp: Speaker, rng: np.random.Generator
) -> np.ndarray:
    """Video frames (F, H, W) uint8 for articulatory states (F, N) at frame times (F,) s."""
    n = len(times)
    shift = 2.5 * smooth_noise(times, rng, 2, 0.05, 1.0) + 0.4 * smooth_noise(times, rng, 2, 3, 8)
    gain = 1.0 + 0.05 * smooth_noise(times, rng, 1, 0.05, 0.5)[:, 0]
    bias = 4.0 * smooth_noise(times, rng, 1, 0.05, 0.5)[:, 0]
    noise = np.round(2.5 * rng.standard_normal((6, *VIDEO_SIZE))).astype(np.int16)
    noise_up = np.clip(noise, 0, 255).astype(np.uint8)  # (6, H, W) banks of camera noise
    noise_down = np.clip(-noise, 0, 255).astype(np.uint8)
    bank = rng.integers(0, len(noise), size=n)
    geom = lip_geometry(state, sp, shift)
    cavity = np.full(n, CAVITY_TONE)  # no tongue cue: the lips only (module doc)
    layers = _layers(geom, (sp.lip_tone - 18.0, sp.lip_tone + 4.0, cavity, sp.skin))
    skin = skin_texture(sp.index, sp.seed)
    h, w = VIDEO_SIZE
    r0, r1 = _mouth_rows(geom, VIDEO_SIZE)
    out = np.empty((n, h, w), dtype=np.uint8)
    offs = np.clip(np.round(shift).astype(int), -PAD, PAD)
    for k in range(n):
        dx, dy = offs[k]
        img = skin[PAD + dy : PAD + dy + h, PAD + dx : PAD + dx + w].copy()
        for polys, tone, line in layers:
            cv2.fillPoly(img, [polys[k]], float(tone[k]), lineType=line, shift=_SHIFT)
        img[r0:r1] = cv2.blur(img[r0:r1], (3, 3))  # soft lip edges, out-of-focus camera
        img = cv2.convertScaleAbs(img, alpha=float(gain[k]), beta=float(bias[k]))
        cv2.add(img, noise_up[bank[k]], dst=img)
        cv2.subtract(img, noise_down[bank[k]], dst=out[k])
    return out


def roi_box(sp: Speaker) -> list[int]:
    """A mouth box [x, y, w, h] in pixels that holds this speaker's lips in nearly every frame."""
    half = int(np.ceil(sp.mouth_half_width * 1.25))
    x = max(int(VIDEO_SIZE[1] / 2) - half, 0)
    y = max(int(sp.mouth_y) - 60, 0)
    return [x, y, min(2 * half, VIDEO_SIZE[1] - x), min(160, VIDEO_SIZE[0] - y)]
