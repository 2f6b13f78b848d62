"""`artimap synth` command line: bad arguments fail in one line and leave nothing behind."""

from __future__ import annotations

import argparse
import json

import pytest

from artimap import cli
from artimap.bench.synth import bench_synth
from artimap.synth import corpus


@pytest.fixture
def main(monkeypatch):
    # Only the commands under test, so another command's import problem cannot hide ours.
    monkeypatch.setattr(cli, "COMMANDS", ("synth", "bench"))
    return cli.main


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("bad", [
    ["--preset", "huge"], ["--utterances", "0"], ["--speakers", "-1"], ["--workers", "0"],
    ["--seed", "-3"], ["--utterances", "two"], ["--coarticulation", "spline"],
])  # fmt: skip
def test_bad_arguments_exit_nonzero_with_one_error_line(main, tmp_path, capsys, bad):
    out = tmp_path / "corpus"
    with pytest.raises(SystemExit) as exc:
        main(["synth", "--out", str(out), "--quiet", *bad])
    assert exc.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and bad[0] in errors[0]
    assert _leftovers(tmp_path) == []


def test_unwritable_output_is_one_line_error(main, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    assert main(["synth", "--out", str(blocker / "corpus"), "--preset", "tiny", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("artimap: error:")
    assert _leftovers(tmp_path) == ["file.txt"]


def test_existing_output_needs_overwrite(main, tmp_path, capsys):
    out = tmp_path / "corpus"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["synth", "--out", str(out), "--preset", "tiny", "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert _leftovers(out) == ["keep.txt"]
    args = ["synth", "--out", str(out), "--preset", "tiny", "--utterances", "1", "--quiet"]
    assert main([*args, "--overwrite"]) == 2  # not a talker corpus: --overwrite never deletes it
    assert "has no corpus.json" in capsys.readouterr().err
    assert _leftovers(out) == ["keep.txt"]
    (out / "keep.txt").unlink()
    assert main(args) == 2 and main([*args, "--overwrite"]) == 0  # an empty folder is replaced
    assert main([*args, "--overwrite", "--seed", "1"]) == 0  # so is a corpus synth wrote
    assert "wrote 1 utterances" in capsys.readouterr().out
    meta = json.loads((out / "corpus.json").read_text())
    assert [u["id"] for u in meta["utterances"]] == ["s01_0001"]
    assert _leftovers(tmp_path) == ["corpus"]


def test_failure_midway_leaves_nothing(tmp_path, monkeypatch):
    calls = []
    real = corpus.write_utterance

    def flaky(utt, root, timings=None):
        calls.append(utt.id)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(utt, root, timings)

    monkeypatch.setattr(corpus, "write_utterance", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        corpus.generate_corpus(tmp_path / "corpus", "tiny", utterances=3, progress=False)
    assert calls == ["s01_0001", "s01_0002"]
    assert _leftovers(tmp_path) == []


def test_bench_reports_speed_by_stage():
    result = bench_synth(argparse.Namespace(quick=True))
    assert result["utterances"] == 4 and result["speech_s"] > 4
    assert result["x_realtime_per_worker"] > 0
    assert {"video", "ultrasound", "markers", "artic"} <= set(result["x_realtime_by_stage"])
    assert {"video", "c3d", "motive", "textgrid"} <= set(result["x_realtime_by_writer"])
    json.dumps(result)


def test_bench_per_coarticulation_rule_names_the_rule(monkeypatch):
    from artimap.bench import synth as bench
    from artimap.bench.synth_coarticulation import bench_synth_coarticulation

    rules = []

    def fake_bench(args):
        rules.append(args.coarticulation)
        return {"coarticulation": args.coarticulation, "quick": args.quick}

    monkeypatch.setattr(bench, "bench_synth", fake_bench)
    artic, *rows = bench_synth_coarticulation(argparse.Namespace(quick=True))
    assert rules == ["dominance", "gaussian", "tracking"] and all(r["quick"] for r in rows)
    assert set(artic["x_realtime_per_cpu_s"]) == set(rules)
    assert min(artic["x_realtime_per_cpu_s"].values()) > 0
    monkeypatch.undo()
    row = bench_synth(argparse.Namespace(quick=True, coarticulation="tracking"))
    assert row["coarticulation"] == "tracking" and row["x_realtime_by_stage"]["artic"] > 0
