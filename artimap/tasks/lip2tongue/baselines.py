"""Closed-form ridge references of lip2tongue: features of a clip -> target, the ridge penalty
picked on the validation split by the same speckle-free R^2 the evaluation reports (the ridge
itself: artimap.models.ridge).

    ridge_lip_pixels  the clip's N lip frames as nn_size x nn_size thumbnails (what any model
                      sees, only smaller): the simple baseline a network has to beat
    lip_oracle        (talker corpora) the TRUE jaw and lip parameters of the clip's N frames
                      and all their pairwise products: the most a lip-only model could get
                      from what the lips show, up to a quadratic map
    state_oracle      (talker corpora) the TRUE articulatory state (8 parameters, tongue
                      included) at the target frame and their products: how well a quadratic
                      map from the full state renders the image, a ceiling no lip model reaches

Features are standardised on the training clips; targets are centred on the training mean, so
a huge penalty gives the training-mean reference.
"""

from __future__ import annotations

import numpy as np


def clip_features(per_row: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Features of clips starting at rows `starts` (F,): the n rows' features (R, d) side by
    side: (F, n * d)."""
    return per_row[starts[:, None] + np.arange(n)].reshape(len(starts), -1)
