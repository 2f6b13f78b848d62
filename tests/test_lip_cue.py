"""The lip video shows the lips only: no tongue cue inside the mouth (corpus.json says so),
and the lip oracle of an older corpus whose video had one sees the tongue tip too."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from artimap.data.lip2tongue.truth import TIP, seen_on_camera
from artimap.synth.lips import render_lips
from artimap.synth.phones import PARAMS
from artimap.synth.speaker import make_speaker


def test_the_tongue_tip_does_not_show_in_the_lip_video():
    sp = make_speaker(1, 0)
    times = np.arange(4) / 60.0
    state = np.tile(np.full(len(PARAMS), 0.5), (4, 1))
    state[:, PARAMS.index("lip_aperture")] = 0.8  # lips open: the mouth's inside is visible
    up = state.copy()
    up[:, PARAMS.index("tongue_tip_height")] = 1.0
    state[:, PARAMS.index("tongue_tip_height")] = 0.0
    a = render_lips(state, times, sp, np.random.default_rng(3))
    b = render_lips(up, times, sp, np.random.default_rng(3))
    assert np.array_equal(a, b)


def test_new_corpora_say_their_video_has_no_tongue_cue(talker_tiny):
    meta = json.loads((talker_tiny / "corpus.json").read_text())
    assert meta["lip_tongue_cue"] is False


def test_the_lip_oracle_sees_the_tip_where_an_old_video_showed_it(talker_tiny, tmp_path):
    meta = json.loads((talker_tiny / "corpus.json").read_text())
    assert seen_on_camera(SimpleNamespace(manifest={"corpus": str(talker_tiny)})) == [0, 1, 2, 3]
    old = {k: v for k, v in meta.items() if k != "lip_tongue_cue"}  # made before the field
    (tmp_path / "corpus.json").write_text(json.dumps(old))
    assert seen_on_camera(SimpleNamespace(manifest={"corpus": str(tmp_path)})) == [0, 1, 2, 3,
                                                                                    TIP]
