"""The talker's coarticulation rules: each is its own formula, and each still closes the lips."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from test_synth_articulation import rounding_contrast

from artimap.errors import ArtimapError
from artimap.synth import tracking
from artimap.synth.coartic import articulate, coarticulate, corpus_coarticulation
from artimap.synth.phones import PARAMS, PHONES, phone_arrays
from artimap.synth.presets import COARTICULATIONS
from artimap.synth.sentences import Script, make_script
from artimap.synth.speaker import make_speaker, stream_rng

AP, PRO = PARAMS.index("lip_aperture"), PARAMS.index("lip_protrusion")
ROUND = [PARAMS.index("lip_protrusion"), PARAMS.index("lip_spreading")]


def _script(phones: list[str], durs: list[float]) -> Script:
    ends = np.round(np.cumsum(durs), 2)
    starts = np.concatenate([[0.0], ends[:-1]])
    return Script(phones, starts, ends, [("w", float(starts[0]), float(ends[-1]))])


def _blend_by_hand(t, script, targets, a, before, after, k):
    """x (T, N) = sum_i D_i T_i / sum_i D_i, D_i = a_i exp(-theta_i |t - c_i|^k), by loops."""
    out = np.zeros((len(t), targets.shape[1]))
    for j, tj in enumerate(t):
        for n in range(targets.shape[1]):
            num = den = 0.0
            for i, c in enumerate(script.centres):
                theta = before[i, n] if tj < c else after[i, n]
                d = a[i, n] * np.exp(-theta * abs(tj - c) ** k)
                num, den = num + d * targets[i, n], den + d
            out[j, n] = num / den
    return out


@pytest.mark.parametrize(("rule", "k"), [("dominance", 1), ("gaussian", 2)])
def test_the_blends_are_their_formulas(rule, k):
    script = _script(["a", "p", "y"], [0.12, 0.07, 0.11])
    targets, a, before, after = phone_arrays(script.phones)
    t = np.linspace(0.0, 0.3, 61)
    got = coarticulate(rule, t, script, targets, a, before, after)
    # gaussian: theta squared, so each function falls to 1/e at the same 1/theta
    power = 1 if rule == "dominance" else 2
    want = _blend_by_hand(t, script, targets, a, before**power, after**power, k)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def _ode_by_hand(t, switch, goals, taus, x0):
    """x(t) of x'' = -2/tau x' - (x - g)/tau^2 integrated numerically segment by segment."""
    out, state = np.empty(len(t)), np.array([x0, 0.0])
    bounds = [*switch, t[-1] + 1e-9]
    for i, (g, tau) in enumerate(zip(goals, taus, strict=True)):
        lo, hi = bounds[i], bounds[i + 1]
        if hi <= lo:
            continue
        inside = (t >= lo) & (t < hi)
        sol = solve_ivp(lambda _, y, g=g, tau=tau: [y[1], -2 / tau * y[1] - (y[0] - g) / tau**2],
                        (lo, hi), state, method="DOP853", rtol=1e-10, atol=1e-12,
                        t_eval=np.concatenate([t[inside], [hi]]))  # fmt: skip
        out[inside] = sol.y[0, :-1]
        state = sol.y[:, -1]
    return out


def test_tracking_is_a_critically_damped_system_chasing_each_target():
    script = _script(["a", "p", "i"], [0.12, 0.15, 0.13])
    targets, a, before, after = phone_arrays(script.phones)
    t = np.arange(0.0, 0.4, 0.001)
    got = coarticulate("tracking", t, script, targets, a, before, after)
    goals = targets.copy()
    goals[1, AP] = -tracking.CLOSURE_OVERSHOOT  # /p/ aims past closure
    taus = np.clip(tracking.TAU_REF / np.sqrt(a), tracking.TAU_MIN, tracking.TAU_MAX)
    for n in range(len(PARAMS)):
        # /i/ controls rounding and /p/ does not: /i/'s protrusion and spreading targets take
        # over ROUNDING_LEAD before its onset, inside the /p/
        switch = [0.0, 0.12, 0.27 - tracking.ROUNDING_LEAD if n in ROUND else 0.27]
        want = _ode_by_hand(t, switch, goals[:, n], taus[:, n], goals[0, n])
        np.testing.assert_allclose(got[:, n], want, atol=1e-7, err_msg=PARAMS[n])
    assert got[:, AP].min() < -0.2  # below closure (the talker clips it to 0)


def test_tracking_anticipates_rounding_about_one_phone_ahead():
    rounded, spread = rounding_contrast("tracking")  # /istRy/ against /istRi/
    diff = rounded - spread
    assert np.all(np.abs(diff[:3]) < 1e-6)  # /i s/ do not know what comes
    assert diff[4] > 0.3 and diff[5] > 0.5  # rounding under way in the /R/ before the /y/


@pytest.mark.parametrize("rule", COARTICULATIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_bilabials_close_the_lips_under_every_rule(rule, seed):
    sp = make_speaker(1, seed)
    closures, vowels = [], []
    for index in range(1, 6):
        script = make_script(stream_rng(seed, 2, 1, index), (2.0, 3.0), sp.rate, 1.0)
        x = articulate(script, sp, stream_rng(seed, 3, 1, index), 1000.0, coarticulation=rule)
        at = x[np.round(script.centres * 1000).astype(int), AP]
        closures.extend(at[[p in ("p", "b", "m") for p in script.phones]])
        vowels.extend(at[[PHONES[p][1] == "vowel" for p in script.phones]])
    assert len(closures) >= 3
    assert max(closures) < 0.05 and np.mean(vowels) > 0.2


def test_the_rules_differ_and_share_every_random_draw():
    sp = make_speaker(1, 0)
    script = make_script(stream_rng(0, 2, 1, 1), (1.0, 1.5), sp.rate, 1.0)
    xs = {r: articulate(script, sp, stream_rng(0, 3, 1, 1), 1000.0, coarticulation=r)
          for r in COARTICULATIONS}  # fmt: skip
    for i, r in enumerate(COARTICULATIONS):
        for other in COARTICULATIONS[i + 1:]:
            assert np.abs(xs[r] - xs[other]).mean() > 0.01, (r, other)
    rng = stream_rng(0, 3, 1, 1)
    articulate(script, sp, rng, 1000.0, coarticulation="tracking")
    after_tracking = rng.random()
    rng = stream_rng(0, 3, 1, 1)
    articulate(script, sp, rng, 1000.0)
    assert rng.random() == after_tracking


def test_corpus_rule_defaults_to_dominance_and_unknown_rules_are_errors():
    assert corpus_coarticulation({"format": "artimap-talker"}) == "dominance"
    assert corpus_coarticulation({"coarticulation": "tracking"}) == "tracking"
    with pytest.raises(ArtimapError, match="corpus.json field 'coarticulation'.*'spline'"):
        corpus_coarticulation({"coarticulation": "spline"})
    sp = make_speaker(1, 0)
    script = make_script(stream_rng(0, 2, 1, 1), (1.0, 1.5), sp.rate, 1.0)
    with pytest.raises(ArtimapError, match="valid: dominance, gaussian, tracking"):
        articulate(script, sp, stream_rng(0, 3, 1, 1), 1000.0, coarticulation="spline")
