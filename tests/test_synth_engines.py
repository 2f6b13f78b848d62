"""`artimap synth --engine`: engines are found by entry point, never imported by artimap."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import artimap
import artimap.synth.engines as engines
from artimap.cli import main
from artimap.errors import ArtimapError
from artimap.tasks.phone2face.oracle import talker_info

GPL_MODULES = ("vocaltractlab_cython", "vocaltractlab", "artimap_vtl")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_artimap_file_imports_the_gpl_extra():
    files = list(Path(artimap.__file__).parent.rglob("*.py"))
    assert len(files) > 50
    offenders = [(str(f), m) for f in files for m in _imported_modules(f)
                 if m.split(".")[0] in GPL_MODULES]  # fmt: skip
    assert offenders == []


def test_missing_engine_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setattr(engines, "entry_points", lambda group: [])
    with pytest.raises(ArtimapError, match="make setup-vtl"):
        engines.find_engine("vtl")
    assert main(["synth", "--engine", "vtl", "--out", "x"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install -e extras/artimap-vtl" in err


class _EntryPoint:
    name = "fake"

    def __init__(self, fn):
        self.fn = fn

    def load(self):
        return self.fn


def test_engine_gets_the_options(monkeypatch, tmp_path, capsys):
    calls = []

    def fake(out, **kwargs):
        calls.append((out, kwargs))
        return None if kwargs["shard"] else {"utterances": [{"duration": 1.5}]}

    monkeypatch.setattr(engines, "entry_points", lambda group: [_EntryPoint(fake)])
    out = str(tmp_path / "c")
    assert main(["synth", "--engine", "fake", "--out", out, "--preset", "tiny",
                 "--shard", "2/3", "--cache", "C"]) == 0  # fmt: skip
    assert calls[0][1]["shard"] == (2, 3) and calls[0][1]["cache"] == "C"
    assert main(["synth", "--engine", "fake", "--out", out, "--preset", "tiny"]) == 0
    assert calls[1][1]["shard"] is None and calls[1][1]["preset"] == "tiny"
    assert "wrote 1 utterances (1.5 s)" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["3", "0/2", "3/2", "a/b"])
def test_bad_shard(text):
    with pytest.raises(ArtimapError, match="--shard"):
        engines.parse_shard(text)


def test_cache_options_need_an_engine(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "c"), "--shard", "1/2"]) == 2
    assert "--engine vtl" in capsys.readouterr().err


def test_phone2face_oracle_skips_an_engine_corpus(tmp_path):
    manifest = {"corpus": str(tmp_path), "settings": {"head_reference_pose": "first"},
                "head_markers": ["head_front"]}
    info = {"format": "artimap-talker", "seed": 0}
    (tmp_path / "corpus.json").write_text(json.dumps(info))
    assert talker_info(manifest) == {**info, "root": str(tmp_path)}  # regenerates the talker
    (tmp_path / "corpus.json").write_text(json.dumps({**info, "engine": "vtl"}))
    assert talker_info(manifest) is None  # talker B's articulation is not artimap's to redo
    declared = {**info, "engine": "vtl", "oracle_artic": True}  # ... unless it wrote its oracle
    (tmp_path / "corpus.json").write_text(json.dumps(declared))
    assert talker_info(manifest) == {**declared, "root": str(tmp_path)}
