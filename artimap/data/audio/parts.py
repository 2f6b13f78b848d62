"""Joining per-utterance part files into the arrays and streams of a prepared audio dataset,
one part at a time through a memory map (memory stays bounded by one utterance)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError


def concatenate_parts(parts: Path, folder: Path, entries: list[dict], arrays: Sequence[str],
                      streams: Sequence[str] = ("mel",)) -> tuple[dict, dict]:
    """Join the part files `<index>.<name>.npy` into folder/<name>.npy, in `entries` order.

    Target-rate `arrays` have entry["n_frames"] rows per utterance, `streams` entry["n_mel"];
    sets each entry's "offset" (first target row) and "streams" ({"mel": [first row, count]},
    popping "n_mel"). Returns the manifest's arrays and streams entries."""
    rows = [e["n_frames"] for e in entries]
    sizes = {**{k: rows for k in arrays}, **{k: [e["n_mel"] for e in entries] for k in streams}}
    sizes["targets"] = rows
    starts = {k: np.concatenate([[0], np.cumsum(v)[:-1]]).astype(int) for k, v in sizes.items()}
    for i, e in enumerate(entries):
        e["offset"] = int(starts["targets"][i])
        e["streams"] = {k: [int(starts[k][i]), int(e["n_mel"])] for k in streams}
        e.pop("n_mel")
    out: dict[str, dict] = {}
    for name in (*arrays, *streams):
        first = np.load(parts / f"{entries[0]['index']:06d}.{name}.npy", mmap_mode="r")
        shape = (int(sum(sizes[name])), *first.shape[1:])
        joined = np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+",
                                           dtype=first.dtype, shape=shape)
        for i, e in enumerate(entries):
            part = np.load(parts / f"{e['index']:06d}.{name}.npy")
            if part.shape[1:] != shape[1:]:
                raise ArtimapError(f"utterance {e['id']}: {name} of shape {part.shape[1:]} "
                                   f"does not match the first utterance's {shape[1:]}")
            joined[starts[name][i]:starts[name][i] + len(part)] = part
        joined.flush()
        del joined
        out[name] = {"file": f"{name}.npy", "shape": list(shape), "dtype": str(first.dtype)}
    return {k: out[k] for k in arrays}, {k: out[k] for k in streams}
