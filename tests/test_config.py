"""Typed configs: defaults, YAML round trip, overrides, and errors that name the key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pytest

from artimap.config import build_config, load_config, save_config, to_dict
from artimap.errors import ArtimapError


@dataclass
class Optim:
    lr: float = 1e-4  # learning rate
    betas: tuple[float, float] = (0.9, 0.999)  # Adam betas


@dataclass
class Cfg:
    name: str = "x"  # run name
    epochs: int = 3  # passes over the data
    mode: Literal["last", "centre", "all"] = "last"  # target position
    sizes: list[int] = field(default_factory=lambda: [64, 64, 32])  # hidden sizes
    roi: tuple[int, int, int, int] | None = None  # x, y, w, h
    optim: Optim = field(default_factory=Optim)  # optimiser settings


def test_defaults_and_partial_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("epochs: 5\noptim:\n  lr: 3e-4\n")
    cfg = load_config(Cfg, path)
    assert cfg.epochs == 5
    assert cfg.optim.lr == pytest.approx(3e-4)  # YAML 1.1 reads 3e-4 as a string
    assert cfg.optim.betas == (0.9, 0.999)
    assert cfg.sizes == [64, 64, 32]


def test_round_trip(tmp_path):
    cfg = build_config(Cfg, {"roi": [1, 2, 3, 4], "mode": "all"})
    save_config(cfg, tmp_path / "out.yaml")
    again = load_config(Cfg, tmp_path / "out.yaml")
    assert again == cfg
    assert again.roi == (1, 2, 3, 4)
    assert to_dict(again)["roi"] == [1, 2, 3, 4]


def test_dotted_overrides():
    cfg = build_config(Cfg, {}, ["optim.lr=0.01", "epochs=7", "sizes=[8, 4]", "roi=null"])
    assert cfg.optim.lr == 0.01
    assert cfg.epochs == 7
    assert cfg.sizes == [8, 4]
    assert cfg.roi is None


@pytest.mark.parametrize(
    "data, key",
    [
        ({"epochz": 3}, "epochz"),
        ({"optim": {"learning_rate": 1}}, "optim.learning_rate"),
        ({"epochs": "many"}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"mode": "first"}, "mode"),
        ({"sizes": [1, "a"]}, "sizes[1]"),
        ({"roi": [1, 2]}, "roi"),
        ({"optim": 3}, "optim"),
    ],
)
def test_errors_name_the_key(data, key):
    with pytest.raises(ArtimapError, match=key.replace("[", r"\[").replace("]", r"\]")):
        build_config(Cfg, data)


def test_bad_override_and_bad_file(tmp_path):
    with pytest.raises(ArtimapError, match="key=value"):
        build_config(Cfg, {}, ["epochs"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n- not a mapping\n")
    with pytest.raises(ArtimapError, match="bad.yaml"):
        load_config(Cfg, bad)
    with pytest.raises(ArtimapError, match="not found"):
        load_config(Cfg, tmp_path / "missing.yaml")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("epochs: lots\n")
    with pytest.raises(ArtimapError, match=r"wrong.yaml: epochs"):
        load_config(Cfg, wrong)


def test_a_bad_set_is_named_by_its_flag_not_the_file(tmp_path):
    from artimap.tasks.registry import load_config_file

    path = tmp_path / "row.yaml"
    path.write_text("task: lip2tongue\ntrain:\n  epochs: 2\n")
    with pytest.raises(ArtimapError, match=r"^--set target=points: unknown config key\(s\): "
                       r"target; valid keys"):
        load_config_file(path, ["data=x", "target=points"])
    with pytest.raises(ArtimapError, match=r"^--set train\.lr=abc: train\.lr: expected float"):
        load_config_file(path, ["train.lr=abc"])
    path.write_text("task: lip2tongue\ntrain:\n  epochs: 0\n")
    with pytest.raises(ArtimapError, match=rf"^{re.escape(str(path))}: train\.epochs: must be"):
        load_config_file(path, ["train.lr=1e-3"])  # the file's own error names the file
    assert load_config_file(path, ["train.epochs=3"])[1].train.epochs == 3  # --set fixes it
