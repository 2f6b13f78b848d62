"""VTL's tract parameters -> artimap's eight articulatory parameters (lips, jaw, tongue).

artimap's lip-video renderer and face-marker model are driven by `artimap.synth.phones.PARAMS`
in [0, 1]. For talker B they are read off VTL's parameters, so the lips, the markers and the
sound come from one vocal tract:

    jaw                 = -JA / JAW_ANGLE in degrees: the face model's jaw rotation equals VTL's
                          jaw angle JA (degrees, negative opens)
    lip_aperture        = LD * 10 / LIP_GAP: the face model's lip gap in mm equals VTL's vertical
                          lip distance LD (cm; negative LD, pressed lips, gives 0)
    lip_protrusion      = (LP + 0.3) / 1.3   (VTL's LP: -1 retracted .. 1 rounded /u/)
    lip_spreading       = 0.45 - 0.45 LP      (VTL has no spreading parameter: corners pull
                                              apart as the lips retract)
    tongue_body_height  = (TCY + 2.5) / 3     tongue body centre height (cm)
    tongue_body_front   = (TCX + 1) / 4       tongue body centre advancement (cm)
    tongue_tip_height   = (TTY + 2) / 2.5     tongue tip height (cm)
    tongue_root_advance = (TRX + 3) / 3.5     tongue root advancement (cm)

each clipped to [0, 1]. The face markers are then artimap's face model of this state (jaw
rotation, lip gap, protrusion, spreading), i.e. derived from the lip/jaw parameters, not
placed on VTL's 3-D lip surface.
"""

from __future__ import annotations

import numpy as np

from artimap.synth.face import JAW_ANGLE, LIP_GAP
from artimap.synth.phones import PARAMS
from artimap_vtl.score import TRACT_PARAMS

# artimap parameter -> (VTL parameter, scale, offset): value = scale * (VTL + offset)
_LINEAR: dict[str, tuple[str, float, float]] = {
    "jaw": ("JA", -1.0 / np.degrees(JAW_ANGLE), 0.0),
    "lip_aperture": ("LD", 10.0 / LIP_GAP, 0.0),
    "lip_protrusion": ("LP", 1.0 / 1.3, 0.3),
    "lip_spreading": ("LP", -0.45, -1.0),
    "tongue_body_height": ("TCY", 1.0 / 3.0, 2.5),
    "tongue_body_front": ("TCX", 1.0 / 4.0, 1.0),
    "tongue_tip_height": ("TTY", 1.0 / 2.5, 2.0),
    "tongue_root_advance": ("TRX", 1.0 / 3.5, 3.0),
}


def artic_from_tract(tract: np.ndarray) -> np.ndarray:
    """(T, 8) float32 artimap state in [0, 1] from VTL tract states (T, 19) (module doc)."""
    out = np.empty((len(tract), len(PARAMS)), dtype=np.float64)
    for j, name in enumerate(PARAMS):
        src, scale, offset = _LINEAR[name]
        out[:, j] = scale * (tract[:, TRACT_PARAMS.index(src)] + offset)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def resample_states(states: np.ndarray, rate: float, times: np.ndarray) -> np.ndarray:
    """States (T, D) sampled at `rate` Hz from t = 0, linearly interpolated at times (F,) s."""
    grid = np.arange(len(states)) / rate
    return np.stack([np.interp(times, grid, states[:, j]) for j in range(states.shape[1])], 1)
