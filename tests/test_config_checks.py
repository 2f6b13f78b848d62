"""Configs are checked before any work: model_config against the model's typed config, NaN/inf
and out-of-range numbers refused with the key named, every experiment row resolved before the
first row trains, and `artimap train` refusing before it touches the run directory."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from artimap.cli import main
from artimap.errors import ArtimapError
from artimap.experiment import run_experiment
from artimap.models import CONFIGS, MODELS, check_config, config_class, config_of
from artimap.tasks.registry import load_config_file, resolve_config


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_nan_dropout_in_a_row_file_is_refused_naming_the_key_and_file(tmp_path):
    path = tmp_path / "row.yaml"
    path.write_text("task: phone2face\nmodel_config:\n  dropout: .nan\n", encoding="utf-8")
    with pytest.raises(ArtimapError, match=r"row\.yaml: model_config\.dropout: must be a "
                                           r"finite number, got nan"):
        load_config_file(path)


@pytest.mark.parametrize("task,override,key", [
    ("lip2tongue", "model_config.leaky_slope=nan", "model_config.leaky_slope"),
    ("lip2tongue", "model_config.fc_dropout=1.0", "model_config.fc_dropout"),
    ("lip2tongue", "model_scale.lip2tongue_convlstm.fc_dropout=-0.1",
     "model_scale.lip2tongue_convlstm.fc_dropout"),
    ("lip2tongue", "loss_blur_sigma=nan", "loss_blur_sigma"),
    ("lip2tongue", "loss_blur_sigma=-1", "loss_blur_sigma"),
    ("lip2tongue", "eval.batch_size=0", "eval.batch_size"),
    ("lip2tongue", "train.lr=.inf", "train.lr"),
    ("phone2face", "model_config.hidden=0", "model_config.hidden"),
    ("phone2face", "latent_dim=0", "latent_dim"),
])
def test_nan_inf_and_out_of_range_numbers_are_refused_naming_the_key(task, override, key):
    # named by the key, after the `--set` flag that brought the value in
    with pytest.raises(ArtimapError, match=rf"^(--set \S+: )?{key.replace('.', '[.]')}"):
        resolve_config({"task": task}, [override])


def test_unknown_and_mistyped_model_config_keys_name_the_key_and_the_valid_ones(tmp_path):
    with pytest.raises(ArtimapError, match=r"model_config\.hiden; valid keys: \[.*'hidden'"):
        resolve_config({"task": "phone2face"}, ["model_config.hiden=64"])
    with pytest.raises(ArtimapError, match=r"model_config\.hidden: expected int, got 'big'"):
        resolve_config({"task": "phone2face"}, ["model_config.hidden=big"])
    # a key of another model: the dominance model has no `timing`
    with pytest.raises(ArtimapError, match=r"model_config\.timing; valid keys: .*'reach'"):
        resolve_config({"task": "phone2face", "model": "phone2face_dominance",
                        "model_config": {"timing": True}})
    with pytest.raises(ArtimapError, match=r"unknown model 'lip2tongue_nope'"):
        resolve_config({"task": "lip2tongue", "model": "lip2tongue_nope"})


def test_valid_settings_and_the_shipped_defaults_pass():
    _, cfg = resolve_config({"task": "lip2tongue", "tiny": True},
                            ["model_config.conv_dropout=0.0", "loss_blur_sigma=3"])
    assert cfg.loss_blur_sigma == 3.0
    assert check_config("phone2face_bigru", {"dropout": 0.5}).dropout == 0.5


def test_a_bad_row_2_stops_the_experiment_before_row_1_trains(p2f_prepared, tmp_path):
    write_yaml(tmp_path / "good.yaml", {"task": "phone2face", "name": "good"})
    write_yaml(tmp_path / "bad.yaml", {"task": "phone2face", "name": "bad",
                                       "model_config": {"hidde": 8}})
    exp = write_yaml(tmp_path / "exp.yaml", {
        "task": "phone2face", "runs": [{"config": "good.yaml"}, {"config": "bad.yaml"}],
        "smoke": ["model_config.hidden=4", "train.max_steps=2", "train.epochs=1",
                  "train.progress=false", "train.device=cpu"]})
    out = tmp_path / "out"
    with pytest.raises(ArtimapError, match=r"bad\.yaml: unknown config key\(s\): "
                                           r"model_config\.hidde; valid keys: \[.*'hidden'"):
        run_experiment(exp, out, smoke=True, data=str(p2f_prepared))
    assert not out.exists()  # no row trained, nothing written


def test_train_refuses_a_bad_config_before_touching_the_run_dir(tmp_path, capsys):
    row = write_yaml(tmp_path / "row.yaml", {"task": "lip2tongue",
                                             "model_config": {"conv_dropout": float("nan")}})
    run = tmp_path / "run"
    assert main(["train", str(row), "--out", str(run)]) == 2
    assert "model_config.conv_dropout: must be a finite number" in capsys.readouterr().err
    assert not run.exists()


def test_every_registry_model_declares_the_config_its_builder_keeps():
    assert set(CONFIGS) == set(MODELS)
    for name in MODELS:
        assert type(config_of(name)) is config_class(name), name
