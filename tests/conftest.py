"""Session-wide fixtures: one tiny virtual-talker corpus and the datasets prepared from it.

Each is built once per test session (seconds). To add a prepared dataset for another task,
add one more session fixture that takes `talker_tiny` and writes under tmp_path_factory.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    """Every model in the suite is tiny: one torch thread is faster, and never stalls on a
    loaded machine the way busy-waiting OpenMP threads can."""
    from artimap.parallel import torch_threads

    with torch_threads(1):
        yield


@pytest.fixture(scope="session")
def talker_tiny(tmp_path_factory) -> Path:
    """A `tiny` preset corpus (1 speaker, 4 utterances of about 2 s), seed 0."""
    from artimap.synth.corpus import generate_corpus

    root = tmp_path_factory.mktemp("talker_tiny")
    generate_corpus(root / "corpus", "tiny", seed=0, progress=False)
    return root / "corpus"


@pytest.fixture(scope="session")
def l2t_prepared(talker_tiny, tmp_path_factory) -> Path:
    """lip2tongue images: 32 x 32 lip crops, 64 x 128 raw ultrasound targets, Farneback flow,
    split 2/1/1 utterances."""
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings

    out = tmp_path_factory.mktemp("l2t_prepared") / "prepared"
    prepare(talker_tiny, out, Settings(image_size=32), workers=1)
    return out


@pytest.fixture(scope="session")
def p2f_prepared(talker_tiny, tmp_path_factory) -> Path:
    """phone2face markers of the same corpus (default settings; unknown phones -> sil)."""
    from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face

    out = tmp_path_factory.mktemp("p2f_prepared") / "prepared"
    return prepare_phone2face(talker_tiny, out, PrepareConfig(fallback="sil"))


def smoke_config(data: Path, *sets: str):
    """(task module, ExperimentConfig) of configs/lip2tongue/smoke.yaml on `data`, quiet."""
    from artimap.tasks.registry import load_config_file

    path = Path(__file__).resolve().parents[1] / "configs" / "lip2tongue" / "smoke.yaml"
    return load_config_file(path, [f"data={data}", "train.progress=false", *sets])


@pytest.fixture(scope="session")
def l2t_run(l2t_prepared, tmp_path_factory) -> Path:
    """A lip2tongue smoke run (tiny TS-CNN-LSTM, 2 steps) on `l2t_prepared`, evaluated.
    Read it, do not change it."""
    from artimap.tasks.registry import train_run

    run = tmp_path_factory.mktemp("l2t_run") / "run"
    module, cfg = smoke_config(l2t_prepared)
    train_run(module, cfg, run)
    module.evaluate_run(run, "test")
    return run
