"""The lip measures a lip2tongue dataset keeps when prepared with `--lips measured`: one row per
prepared row, (F, 4) float32, columns named in the manifest's "lips_measured" record (the lip
measurer's aperture, width, outer height and mouth-opening area: `artimap.lips.per_frame`)."""

from __future__ import annotations

import numpy as np

from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError

MEASURED_LIPS = "lips_measured"  # the array's name in the prepared folder


def measured_lips(prepared: Prepared) -> np.ndarray:
    """(F, 4) float32 measured lips per row (memory-mapped); an ArtimapError naming the prepare
    option when the dataset was prepared without them."""
    if MEASURED_LIPS not in prepared.manifest.get("arrays", {}):
        raise ArtimapError(
            f"{prepared.folder}: prepared without measured lips ({MEASURED_LIPS}.npy); run "
            f"`artimap prepare {prepared.task} --corpus ... --out {prepared.folder} --lips "
            "measured --overwrite` (same options as before)")
    return prepared.array(MEASURED_LIPS)
