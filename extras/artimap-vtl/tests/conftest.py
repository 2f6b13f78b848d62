"""One tiny talker-B corpus per test session (VocalTractLab's acoustics takes about a minute)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from artimap_vtl.corpus import generate


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict:
    """{'out': corpus folder, 'cache': its cache, 'meta': corpus.json} of the tiny preset."""
    root = tmp_path_factory.mktemp("vtl")
    out, cache = root / "tiny", root / "cache"
    meta = generate(out, preset="tiny", seed=0, workers=2, progress=False, cache=cache)
    assert json.loads((out / "corpus.json").read_text()) == meta
    return {"out": out, "cache": cache, "meta": meta}


def utterance_files(tiny: dict, i: int) -> dict[str, Path]:
    """kind -> absolute path of utterance i's files."""
    return {k: tiny["out"] / v for k, v in tiny["meta"]["utterances"][i]["files"].items()}
