"""Every shipped config file under configs/ loads with its task's ExperimentConfig.

Row configs (a partial ExperimentConfig, `task` key) load as they are; experiment files (with
`runs`) resolve every row, with and without their smoke overrides. Unknown keys, wrong types,
NaN or out-of-range numbers (model_config included: checked against the model's typed config)
and unknown models or tasks fail here, before anyone trains.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from artimap.config import read_yaml
from artimap.experiment import plan
from artimap.models import MODELS, check_config, config_class
from artimap.tasks.registry import TASKS, load_config_file

ROOT = Path(__file__).resolve().parents[1] / "configs"
FILES = sorted(ROOT.rglob("*.yaml"))


def assert_model_config_is_typed(cfg) -> None:
    """Every model_config value is a field of the model's config dataclass, of its type."""
    typed = check_config(cfg.model, {**cfg.model_config,
                                     **getattr(cfg, "model_scale", {}).get(cfg.model, {})})
    assert isinstance(typed, config_class(cfg.model))
    for key, value in cfg.model_config.items():
        assert getattr(typed, key) == (tuple(value) if isinstance(value, list) else value)


def test_configs_are_shipped_for_every_task():
    tasks = {read_yaml(p).get("task") for p in FILES}
    assert "lip2tongue" in tasks
    assert tasks <= set(TASKS), f"unknown task in {tasks - set(TASKS)}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_config_loads(path: Path, tmp_path: Path):
    data = read_yaml(path)
    if "runs" in data:
        for smoke in (False, True):
            exp, module, specs = plan(path, tmp_path, smoke=smoke)
            assert specs and module.__name__ == TASKS[exp["task"]]
            assert len({s.name for s in specs}) == len(exp["runs"])
            assert all(s.config.model in MODELS for s in specs)
            for s in specs:
                assert_model_config_is_typed(s.config)
    else:
        module, cfg = load_config_file(path)
        assert module.__name__ == TASKS[cfg.task] and cfg.model in MODELS
        assert_model_config_is_typed(cfg)
        assert path.relative_to(ROOT).parts[0] == cfg.task  # configs/<task>/[study/]...


def test_every_lip2tongue_row_is_in_the_paper_experiment():
    rows = {p.name for p in (ROOT / "lip2tongue").glob("*.yaml")
            if "runs" not in read_yaml(p)} - {"smoke.yaml"}  # row configs, not experiments
    listed = {r["config"] for r in read_yaml(ROOT / "lip2tongue" / "paper.yaml")["runs"]}
    assert rows == listed
