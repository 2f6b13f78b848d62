"""Talker B: a VocalTractLab talker that writes an ordinary artimap corpus (GPL-3).

The road, per utterance: artimap's random French sentence and timing (`artimap.synth.
sentences`) -> an explicit phone map to VocalTractLab segments (`phonemap`) -> VTL's gestural
score and tract-parameter trajectories, with per-token target jitter (`score`) -> the
midsagittal tongue outline per ultrasound frame (`tongue`), the lip/jaw state (`articulators`)
and the synthesised speech (`audio`) -> artimap's own renderers and writers (`utterance`) ->
a cached, sharded, all-or-nothing corpus (`corpus`).

artimap (MIT) never imports this package; it finds `artimap_vtl.corpus:generate` through the
`artimap.engines` entry point (`artimap synth --engine vtl`).
"""

__version__ = "0.3.0"
