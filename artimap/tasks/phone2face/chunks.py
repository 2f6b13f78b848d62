"""Chunked inference for long utterances: overlapping windows run as one batch.

A bidirectional GRU over T frames takes T sequential steps, whatever the batch. Cutting a long
utterance into windows of W frames, each read with C frames of context on both sides, and
running the windows side by side as one batch takes W + 2C sequential steps instead; the
centre W frames of every window are kept and put back end to end:

    frames  |------------------------------- T -------------------------------|
    window k           [ C |======= W (kept) =======| C ]
    window k+1                               [ C |======= W (kept) =======| C ]

Windows at the edges take their missing context from the other side, so every window has the
same length L = W + 2C (no padding, no packing). Far context is lost, so the output differs
from whole-sequence inference by an amount that shrinks with C (the recurrent state forgets);
`artimap bench phone2face` measures it.
"""

from __future__ import annotations

import torch


def chunk_spans(n_frames: int, window: int, context: int) -> list[tuple[int, int, int]]:
    """(start of the input window, first kept frame, end of the kept frames) per window.

    Every input window is [start, start + window + 2 * context) inside [0, n_frames); the kept
    ranges tile [0, n_frames) in order. One window covering everything when n_frames <= L.
    """
    if window < 1 or context < 0:
        raise ValueError(f"window must be >= 1 and context >= 0, got {window}, {context}")
    length = window + 2 * context
    if n_frames <= length:
        return [(0, 0, n_frames)]
    spans = []
    for s in range(0, n_frames, window):
        e = min(s + window, n_frames)
        a = min(max(s - context, 0), n_frames - length)  # edge windows: context from inside
        spans.append((a, s, e))
    return spans


def forward_chunked(model: torch.nn.Module, phones: torch.Tensor, window: int,
                    context: int) -> torch.Tensor:
    """Model outputs (T, D) for phone ids (T,), computed in overlapping windows as one batch."""
    spans = chunk_spans(len(phones), window, context)
    if len(spans) == 1:
        return model(phones[None])[0]  # (T, D)
    length = window + 2 * context
    starts = torch.tensor([a for a, _, _ in spans], device=phones.device)  # (B,)
    idx = starts[:, None] + torch.arange(length, device=phones.device)  # (B, L)
    out = model(phones[idx])  # (B, L, D)
    return torch.cat([out[k, s - a:e - a] for k, (a, s, e) in enumerate(spans)])  # (T, D)
