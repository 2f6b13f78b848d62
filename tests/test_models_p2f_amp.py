"""phone2face models under autocast: outputs in capture space (~1500 mm) keep float32 precision.

With `normalise: none` the targets are raw coordinates near 1500 mm, where bfloat16's step is
8 mm and float16's 1 mm; only the layers before the output layers may run in half precision.
"""

from __future__ import annotations

import pytest
import torch

from artimap.errors import ArtimapError
from artimap.models.bigru import Phone2FaceBiGRU, Phone2FaceConfig
from artimap.models.latent_decoder import final_linear
from artimap.models.window import Phone2FaceWindow, WindowConfig

P, D = 5, 6  # phones, output values
OFFSET = 1500.0  # mm: a capture-space coordinate
TOL = 0.25  # mm: under float16's 0.5 mm worst rounding at 1500 mm, bfloat16's is 4 mm

CASES = {
    "dense": dict(decoder="dense"),
    "latent_linear": dict(decoder="latent", latent_dim=3),
    "latent_autoencoder": dict(decoder="latent", latent_dim=3, decoder_hidden=(4, 4),
                               latent_activation="sigmoid"),
}


def _bigru(**kw) -> Phone2FaceBiGRU:
    torch.manual_seed(0)
    model = Phone2FaceBiGRU(Phone2FaceConfig(n_phones=P, n_out=D, hidden=8, **kw)).eval()
    out = model.head if model.config.decoder == "dense" else final_linear(model.decoder)
    with torch.no_grad():
        out.bias.fill_(OFFSET)
        # output weights of mm scale, so the output varies by tens of mm around the offset
        out.weight.mul_(40.0)
    return model


def _compare(model: torch.nn.Module, phones: torch.Tensor) -> None:
    with torch.no_grad():
        ref = model(phones)  # (B, T, D) float32 throughout
        with torch.autocast("cpu", dtype=torch.bfloat16):
            amp = model(phones)
    assert amp.dtype == torch.float32
    assert ref.abs().min() > OFFSET - 200  # the outputs really are capture-space values
    # rounding the outputs to bfloat16 would cost up to 4 mm; only the GRU's rounding remains
    assert (amp - ref).abs().max() < TOL


@pytest.mark.parametrize("name", sorted(CASES))
def test_bigru_outputs_match_float32_under_bfloat16_autocast(name: str) -> None:
    _compare(_bigru(**CASES[name]), torch.randint(0, P, (2, 11)))


def test_latent_codes_stay_float32_under_autocast() -> None:
    model = _bigru(**CASES["latent_linear"])
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        z = model.latent(torch.randint(0, P, (2, 11)))
    assert z.dtype == torch.float32


def test_window_outputs_match_float32_under_bfloat16_autocast() -> None:
    torch.manual_seed(0)
    model = Phone2FaceWindow(WindowConfig(n_phones=P, n_out=D, in_window=3, out_window=3,
                                          hidden=8, layers=2, dropout=0.0)).eval()
    with torch.no_grad():
        model.out.bias.fill_(OFFSET)
        model.out.weight.mul_(40.0)
    _compare(model, torch.randint(0, P, (2, 11)))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_weights_are_refused(dtype: torch.dtype) -> None:
    model = _bigru(**CASES["dense"]).to(dtype)
    with pytest.raises(ArtimapError, match=r"float32.*amp"):
        model(torch.randint(0, P, (1, 4)))
