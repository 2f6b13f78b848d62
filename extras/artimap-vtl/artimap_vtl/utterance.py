"""One utterance of talker B: VocalTractLab's vocal tract through artimap's renderers.

The sentence, the speaker's camera/probe/face anatomy and every random stream come from
artimap's talker (`make_script`, `make_speaker`, `stream_rng`), so utterance (speaker, index,
seed) says the same sentence as talker A's. VTL gives the tract trajectories (with per-token
jitter, `score.jitter_tract`) and the speech; the tongue outline gives each scanline's surface
depth for artimap's ultrasound renderer and the true contour; the lip/jaw parameters drive
artimap's lip video and face-marker model (`articulators`). Clocks are talker A's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from artimap.io.motion import Motion
from artimap.synth.coartic import sample_times
from artimap.synth.face import MARKERS, render_markers
from artimap.synth.lips import render_lips
from artimap.synth.phones import PARAMS
from artimap.synth.presets import ARTIC_FPS, AUDIO_RATE, MARKERS_FPS, VIDEO_FPS, Preset
from artimap.synth.sentences import make_script
from artimap.synth.speaker import STREAMS, make_speaker, stream_rng, utterance_id
from artimap.synth.ultrasound import render_scanlines, ult_params
from artimap.synth.utterance import Utterance, _alignments, _date, state_at
from artimap.ultrasound.geometry import ProbeGeometry
from artimap_vtl.articulators import artic_from_tract, resample_states
from artimap_vtl.audio import silence, speech
from artimap_vtl.score import JITTER_SD, STATE_RATE, Score, gestural_score, jitter_tract
from artimap_vtl.tongue import scanline_surface

_JAW = PARAMS.index("jaw")


@dataclass
class VtlUtterance:
    """A talker-B utterance: artimap's streams plus VTL's own truth."""

    utt: Utterance  # every stream in artimap's layout (artic = mapped state at ARTIC_FPS)
    score: Score  # gestural score, oracle tract (T, 19) and glottis (T, 11) at STATE_RATE
    tract: np.ndarray  # (T, 19) float64: the trajectory actually rendered (with jitter)
    ema: np.ndarray  # (U, 4, 2) float32 mm: EMA-like tongue sensors at the ultrasound frames


def synthesize_vtl(speaker: int, index: int, seed: int, preset: Preset,
                   audio: bool = True, jitter: bool = True) -> VtlUtterance:
    """Render utterance `index` of `speaker` for `seed` (the same arguments, the same arrays).

    `audio=False` writes silence instead of VTL's speech (VTL's acoustics is the slow part);
    `jitter=False` renders the oracle trajectory.
    """
    sp = make_speaker(speaker, seed)

    def rng(stream: str) -> np.random.Generator:
        return stream_rng(seed, STREAMS[stream], speaker, index)

    uid = utterance_id(speaker, index)
    script = make_script(rng("sentence"), preset.speech_s, sp.rate, sp.ult_first_frame)
    score = gestural_score(uid, script.phones, script.ends - script.starts)
    tract = jitter_tract(score, script.starts, rng("artic"), sd=JITTER_SD if jitter else 0.0)
    artic = artic_from_tract(resample_states(
        tract, STATE_RATE, sample_times(script.duration, ARTIC_FPS)))  # (T, 8) at ARTIC_FPS
    prm = ult_params(preset, sp)
    v_t = sample_times(script.duration, VIDEO_FPS)
    u_t = sample_times(script.duration, prm.frames_per_sec, prm.time_first_frame)
    m_t = sample_times(script.duration, MARKERS_FPS)
    tongue = scanline_surface(resample_states(tract, STATE_RATE, u_t), sp.probe_tilt, prm,
                              preset.contour_points)  # fmt: skip
    c_phi, c_r = tongue.contour_phi, tongue.contour_r
    geo = ProbeGeometry.from_params(prm)
    u_state = state_at(artic, u_t)
    phones, words = _alignments(script)
    if audio:  # from 50 ms before the first sound: the leading silence needs no simulation
        wave = speech(tract, score.glottis, script.duration, AUDIO_RATE, script.ends[0] - 0.05)
    else:
        wave = silence(script.duration, AUDIO_RATE)
    utt = Utterance(
        id=uid, speaker=sp, script=script, phones=phones, words=words,
        date=_date(speaker, index), artic=artic,
        video=render_lips(state_at(artic, v_t), v_t, sp, rng("video")),
        ult=render_scanlines(tongue.radius, tongue.visible, u_state[:, _JAW], u_t, prm,
                             rng("ultrasound")),
        ult_params=prm,
        contour_raw=np.stack(geo.polar_to_raw(c_r, c_phi), -1).astype(np.float32),
        contour_mm=np.stack(geo.polar_to_mm(c_r, c_phi), -1).astype(np.float32),
        markers=Motion(render_markers(state_at(artic, m_t), m_t, sp, rng("face")), MARKERS_FPS,
                       list(MARKERS)),
        audio=wave,
    )  # fmt: skip
    return VtlUtterance(utt, score, tract, tongue.ema)
