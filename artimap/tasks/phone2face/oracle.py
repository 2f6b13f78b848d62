"""The ceiling of phone2face on a talker corpus: markers regenerated from the phones alone.

For each utterance the talker's own code regenerates the articulation from the same phones and
durations (the same seeds) with per-token target variability and tongue drift off
(`articulate(..., variability=0)`), so what is left is a function of the phone sequence and its
timing. It uses the corpus's own coarticulation rule (corpus.json's "coarticulation"; a corpus
without it was made by "dominance"), so the oracle of every talker variant is its own. Two
variants:

    "oracle"             noise-free markers of the face model in the head frame, placed on the
                         corpus's head reference pose: the best prediction from the phones
                         alone (marker noise, amplified by the head fit, is unpredictable), the
                         ceiling the tables show and `gap_closed` measures against
    "oracle_same_noise"  markers rendered with the utterance's own face stream (the same head
                         motion, marker noise and occlusions as the real ones) and prepared
                         exactly like them (`process_motion` with the dataset's settings): it
                         shares the truth's noise, so it isolates what the token variability
                         and drift alone cost; no model can reach it

A corpus written by another engine (corpus.json "engine", e.g. talker B from VocalTractLab)
cannot be regenerated here; when it declares `"oracle_artic": true` it wrote each utterance's
articulation without token variability (`<utt>.oracle_artic.npy`, artimap's 8 parameters at
ARTIC_FPS), and the same face model turns it into the oracle markers. Real corpora have no
oracle (`oracle_markers` returns None).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from artimap.data.phone2face.headmotion import kabsch
from artimap.data.phone2face.utterance import UtteranceSettings, process_motion
from artimap.io.motion import Motion
from artimap.synth.coartic import articulate, corpus_coarticulation, sample_times
from artimap.synth.face import HEAD, MARKERS, face_shape, render_markers
from artimap.synth.presets import ARTIC_FPS, MARKERS_FPS, get_preset
from artimap.synth.sentences import make_script
from artimap.synth.speaker import STREAMS, make_speaker, stream_rng, utterance_id
from artimap.synth.utterance import state_at

VARIANTS = ("oracle", "oracle_same_noise")


def settings_of(manifest: dict[str, Any]) -> UtteranceSettings:
    """The per-utterance settings `prepare` used, from its manifest."""
    st = manifest["settings"]
    return UtteranceSettings(
        manifest["markers"], manifest["head_markers"], st.get("head_reference_pose") or "first",
        st["min_head_markers"], float(manifest["rate"]), st["max_gap"], st["gap_method"],
        st["gap_context"], st["tier"], st["strip_stress"], st["silence"])


def regenerate(info: dict[str, Any], speaker: int, index: int, variability: float = 0.0):
    """(speaker, articulation (T, N) at ARTIC_FPS, script, face rng) of one talker utterance,
    `info` its corpus.json content."""
    seed = int(info["seed"])
    sp = make_speaker(speaker, seed)

    def rng(stream: str) -> np.random.Generator:
        return stream_rng(seed, STREAMS[stream], speaker, index)

    script = make_script(rng("sentence"), get_preset(info["preset"]).speech_s, sp.rate,
                         sp.ult_first_frame)
    if info.get("engine") is not None:  # the engine wrote its articulation (module doc)
        artic = engine_artic(Path(info["root"]), utterance_id(speaker, index), variability)
    else:
        artic = articulate(script, sp, rng("artic"), ARTIC_FPS, variability,
                           corpus_coarticulation(info))
    return sp, artic, script, rng("face")


def engine_artic(root: Path, uid: str, variability: float) -> np.ndarray:
    """(T, N) state at ARTIC_FPS of an engine's utterance: `<uid>.oracle_artic.npy` (its
    articulation without token variability, the oracle) or, with variability, the articulation
    it rendered (`<uid>.artic.npy`); an engine corpus has no drift to turn off."""
    name = f"{uid}.oracle_artic.npy" if variability == 0 else f"{uid}.artic.npy"
    return np.load(root / uid.split("_")[0] / name).astype(np.float64)


def _indices(uid: str) -> tuple[int, int]:
    """1-based (speaker, utterance) of a talker id 'sNN_IIII'."""
    spk, idx = uid.split("_")
    return int(spk[1:]), int(idx)


def oracle_utterance(manifest: dict[str, Any], info: dict[str, Any], uid: str, n_frames: int,
                     variant: str = "oracle", variability: float = 0.0) -> np.ndarray:
    """Markers (n_frames, M, 3) mm of utterance `uid` (NaN where the variant has none)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant {variant!r}: choose one of {list(VARIANTS)}")
    sp, artic, script, face_rng = regenerate(info, *_indices(uid), variability)
    s = settings_of(manifest)
    idx = [MARKERS.index(m) for m in manifest["markers"]]
    out = np.full((n_frames, len(idx), 3), np.nan)
    if variant == "oracle_same_noise":
        t = sample_times(script.duration, MARKERS_FPS)
        pts = render_markers(state_at(artic, t), t, sp, face_rng)
        proc, mask, _ = process_motion(Motion(pts, MARKERS_FPS, list(MARKERS)), s)
        proc = np.where(mask[..., None], proc, np.nan)[:n_frames]
        out[: len(proc)] = proc
        return out
    face = face_shape(state_at(artic, np.arange(n_frames) / s.fps), sp)[:, idx]  # (F, M, 3)
    head_rest = np.array(list(HEAD.values()), dtype=np.float64) * sp.face_scale  # (K, 3)
    rot, shift = kabsch(head_rest[None], np.asarray(s.head_reference, dtype=np.float64))
    return face @ rot[0].T + shift[0]


def talker_info(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The corpus.json of the talker corpus the dataset was prepared from (None: not one, or
    not reachable, or prepared without head removal onto one reference pose)."""
    path = Path(manifest.get("corpus", "")) / "corpus.json"
    if not path.is_file():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))
    if info.get("format") != "artimap-talker" or "seed" not in info:
        return None
    if info.get("engine") is not None and not info.get("oracle_artic"):
        return None  # another engine's talker (e.g. vtl) without its oracle articulation
    info = {**info, "root": str(path.parent)}
    corpus_coarticulation(info, str(path))  # an unknown rule is an error, not a wrong oracle
    ref = manifest.get("settings", {}).get("head_reference_pose")
    return info if ref is not None and manifest.get("head_markers") else None


def oracle_markers(manifest: dict[str, Any], ids: list[str], lengths: list[int],
                   variant: str = "oracle") -> list[np.ndarray] | None:
    """Oracle markers (T, M, 3) of the utterances `ids` (T = their lengths), or None when the
    dataset does not come from a reachable talker corpus (see `talker_info`)."""
    info = talker_info(manifest)
    if info is None:
        return None
    return [oracle_utterance(manifest, info, uid, n, variant) for uid, n in zip(ids, lengths)]
