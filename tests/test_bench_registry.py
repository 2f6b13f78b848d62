"""The one benchmark registry: every entry resolves to a function, `--list` prints names and
help, an unknown name lists the valid ones, and the command line rests on it."""

from __future__ import annotations

import importlib

import pytest

from artimap.bench import registry
from artimap.cli import main
from artimap.errors import ArtimapError


@pytest.mark.parametrize("name", list(registry.BENCHES))
def test_every_entry_names_a_function_in_a_module_of_its_own(name):
    module, func = registry.BENCHES[name].target.split(":")
    assert callable(getattr(importlib.import_module(module), func))
    assert module.startswith("artimap.bench.")
    assert registry.BENCHES[name].help and "\n" not in registry.BENCHES[name].help
    modules = [b.target.split(":")[0] for b in registry.BENCHES.values()]
    assert modules.count(module) == 1


def test_list_prints_every_name_and_its_help(capsys):
    assert main(["bench", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(registry.BENCHES)
    for line, bench in zip(lines, registry.BENCHES.values(), strict=True):
        assert line.endswith(bench.help)


def test_unknown_name_lists_the_valid_ones(capsys):
    assert main(["bench", "no_such_bench"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no_such_bench" in err
    assert all(name in err for name in registry.BENCHES)
    with pytest.raises(ArtimapError, match="valid: synth"):
        registry.lookup("nope")


def test_no_name_is_an_error_naming_the_benchmarks(capsys):
    assert main(["bench"]) == 2
    assert "prepare_lip2tongue" in capsys.readouterr().err


def test_listing_imports_no_benchmark_module():
    import subprocess
    import sys

    code = ("import sys\nfrom artimap.cli import main\nmain(['bench', '--list'])\n"
            "heavy = [m for m in sys.modules if m.startswith('artimap.bench.') and "
            "m not in ('artimap.bench.registry',)] + [m for m in ('torch', 'cv2') "
            "if m in sys.modules]\nassert not heavy, heavy\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
