"""One utterance of the virtual talker, every stream in memory.

Clocks: audio, lip video and markers start at t = 0 (the audio start); ultrasound frame k is
at TimeInSecsOfFirstFrame + k / FramesPerSec; each stream holds the frames that fall in
[0, duration). The articulatory state is rendered at ARTIC_FPS and each stream takes the state
nearest its frame times.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

import numpy as np

from artimap.io.alignment import Alignment, fill_gaps, from_tuples
from artimap.io.motion import Motion
from artimap.io.ult import UltParams
from artimap.synth.audio import render_audio
from artimap.synth.coartic import articulate, sample_times
from artimap.synth.face import MARKERS, render_markers
from artimap.synth.lips import render_lips
from artimap.synth.presets import ARTIC_FPS, AUDIO_RATE, MARKERS_FPS, VIDEO_FPS, Preset, get_preset
from artimap.synth.sentences import Script, make_script
from artimap.synth.speaker import STREAMS, Speaker, make_speaker, stream_rng, utterance_id
from artimap.synth.ultrasound import contour_points, render_ultrasound, ult_params
from artimap.ultrasound.geometry import ProbeGeometry

_EPOCH = datetime.datetime(2019, 10, 21, 9, 30, 0)  # recording dates count from here


@dataclass
class Utterance:
    """Every stream of one utterance. Shapes: T artic samples, F video frames, U ultrasound
    frames, K contour points, M markers (44 face + 4 head), S audio samples."""

    id: str
    speaker: Speaker
    script: Script
    phones: Alignment  # phones tier, 'sil'/'sp' for silences
    words: Alignment  # words tier, '' for silences
    date: str  # recording date line, as in TaL's .txt
    artic: np.ndarray  # (T, N) float32 in [0, 1] at ARTIC_FPS
    video: np.ndarray  # (F, 240, 320) uint8
    ult: np.ndarray  # (U, NV, PPV) uint8
    ult_params: UltParams
    contour_raw: np.ndarray  # (U, K, 2) fractional (scanline, sample)
    contour_mm: np.ndarray  # (U, K, 2) (x_mm towards the tip, y_mm away from the probe)
    markers: Motion  # points (F_m, M, 3) mm at MARKERS_FPS
    audio: np.ndarray  # (S,) int16 at AUDIO_RATE

    @property
    def duration(self) -> float:
        return self.script.duration

    @property
    def prompt(self) -> str:
        return self.script.prompt

    @property
    def video_times(self) -> np.ndarray:
        """(F,) seconds."""
        return np.arange(len(self.video)) / VIDEO_FPS

    @property
    def ult_times(self) -> np.ndarray:
        """(U,) seconds."""
        return self.ult_params.frame_times(len(self.ult))


def state_at(artic: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The state (F, N) nearest each time (F,) s in artic (T, N) sampled at ARTIC_FPS."""
    idx = np.clip(np.round(times * ARTIC_FPS).astype(np.intp), 0, len(artic) - 1)
    return artic[idx]


def _alignments(script: Script) -> tuple[Alignment, Alignment]:
    phones = from_tuples(zip(script.starts, script.ends, script.phones, strict=True))
    words = fill_gaps(from_tuples((s, e, w) for w, s, e in script.words), "", 0.0,
                      script.duration)
    return phones, words


def _date(speaker: int, index: int) -> str:
    when = _EPOCH + datetime.timedelta(days=speaker - 1, seconds=47 * (index - 1))
    return when.strftime("%d/%m/%Y %H:%M:%S")


def _contours(state: np.ndarray, sp: Speaker, prm: UltParams, k: int):
    phi, r = contour_points(state, sp, k)  # (U, K) each
    geo = ProbeGeometry.from_params(prm)
    raw = np.stack(geo.polar_to_raw(r, phi), -1)  # (U, K, 2) scanline, sample
    return raw, np.stack(geo.polar_to_mm(r, phi), -1)  # (U, K, 2) x, y mm


def _timed(timings: dict | None, key: str, fn, *args):
    """fn(*args), adding its run time in seconds to timings[key] when timings is given."""
    start = time.perf_counter()
    out = fn(*args)
    if timings is not None:
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - start
    return out


def synthesize_utterance(
    speaker: int, index: int, seed: int, preset: Preset | str = "tiny",
    timings: dict | None = None, coarticulation: str = "dominance",
) -> Utterance:
    """Render utterance `index` (1-based) of speaker `speaker` (1-based) for `seed`.

    The same arguments always give the same arrays, whatever else was rendered before.
    `timings`, if given, accumulates seconds spent per stage. `coarticulation` picks the rule
    (`coartic.COARTICULATIONS`); only the articulation and what it drives change with it.
    """
    preset = get_preset(preset) if isinstance(preset, str) else preset
    sp = make_speaker(speaker, seed)

    def rng(stream: str) -> np.random.Generator:
        return stream_rng(seed, STREAMS[stream], speaker, index)

    script = make_script(rng("sentence"), preset.speech_s, sp.rate, sp.ult_first_frame)
    artic = _timed(timings, "artic", articulate, script, sp, rng("artic"), ARTIC_FPS, 1.0,
                   coarticulation)
    prm = ult_params(preset, sp)
    v_t = sample_times(script.duration, VIDEO_FPS)
    u_t = sample_times(script.duration, prm.frames_per_sec, prm.time_first_frame)
    m_t = sample_times(script.duration, MARKERS_FPS)
    u_state = state_at(artic, u_t)
    raw, mm = _timed(timings, "contour", _contours, u_state, sp, prm, preset.contour_points)
    phones, words = _alignments(script)
    return Utterance(
        id=utterance_id(speaker, index), speaker=sp, script=script, phones=phones, words=words,
        date=_date(speaker, index), artic=artic,
        video=_timed(timings, "video", render_lips, state_at(artic, v_t), v_t, sp, rng("video")),
        ult=_timed(timings, "ultrasound", render_ultrasound, u_state, u_t, sp, prm,
                   rng("ultrasound")),
        ult_params=prm, contour_raw=raw.astype(np.float32), contour_mm=mm.astype(np.float32),
        markers=Motion(_timed(timings, "markers", render_markers, state_at(artic, m_t), m_t, sp,
                              rng("face")), MARKERS_FPS, list(MARKERS)),
        audio=_timed(timings, "audio", render_audio, script, sp, AUDIO_RATE, rng("audio")),
    )  # fmt: skip
