"""The command line: every registered subcommand has --help; user errors are one line."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from artimap.bench.registry import BENCHES, Bench
from artimap.cli import COMMANDS, build_parser, main
from artimap.commands.prepare import TASKS


@pytest.mark.parametrize("argv", [[c] for c in COMMANDS] + [["prepare", t] for t in TASKS])
def test_every_subcommand_has_help(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    assert "usage: artimap " + " ".join(argv) in capsys.readouterr().out


def test_bench_lists_its_benchmarks(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in BENCHES)


def test_user_error_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "artimap", "evaluate", str(tmp_path / "no_such_run")],
        capture_output=True, text=True,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("artimap: error: ")
    assert "no_such_run" in lines[0]


def test_bench_stdout_is_only_json(monkeypatch, capsys):
    import json
    import types

    def noisy(args):
        print("epoch 1 step 2 train 0.5")  # e.g. a training log inside a benchmark
        return {"bench": "noisy", "value": 1}

    monkeypatch.setitem(BENCHES, "noisy", Bench("fake_bench_module:noisy", "test"))
    monkeypatch.setitem(sys.modules, "fake_bench_module", types.SimpleNamespace(noisy=noisy))
    from artimap.commands import bench

    assert bench.run(types.SimpleNamespace(name="noisy", out=None, quick=True)) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"bench": "noisy", "value": 1}
    assert "epoch 1" in err


# a Ctrl-C while the CLI imports its subcommands (seconds: scipy, torch), raised there on cue
_CTRL_C_AT_IMPORT = """
import importlib.abc, runpy, sys

AT = sys.argv.pop(1)

class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == AT:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
runpy.run_module("artimap", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("module", ["artimap.cli", "artimap.commands.contour"])
def test_ctrl_c_while_starting_is_one_line(module):
    done = subprocess.run([sys.executable, "-c", _CTRL_C_AT_IMPORT, module, "contour", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (130, "artimap: interrupted\n")


def test_artimap_warnings_print_as_one_line(tmp_path):
    from test_data_p2f_helpers import make_files_corpus

    make_files_corpus(tmp_path / "c", n_utts=4, frames=180)
    # a real command line (pytest records warnings instead of printing them)
    done = subprocess.run([sys.executable, "-m", "artimap", "prepare", "phone2face", "--corpus",
                           str(tmp_path / "c"), "--out", str(tmp_path / "p"),
                           "--phone-fallback", "sil", "--workers", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    err = done.stderr
    said = [line for line in err.splitlines() if "head motion is NOT removed" in line]
    assert len(said) == 1 and said[0].startswith("artimap: warning: "), err
    assert "UserWarning" not in err and "prepare_phone2face(" not in err


def test_study_serve_says_who_can_open_it():
    from artimap.commands.study import serve_banner

    args = build_parser().parse_args(["study", "serve", "s1"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)  # safe default: this machine only
    assert "this machine only; pass --host 0.0.0.0" in serve_banner("s1", args.host, args.port)
    lab = serve_banner("s1", "0.0.0.0", 8000)
    assert lab.startswith(f"serving s1: raters open http://{socket.gethostname()}:8000/")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "artimap study serve study1 --host 0.0.0.0 --port 8000" in readme
