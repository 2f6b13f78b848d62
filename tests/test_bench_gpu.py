"""`artimap bench gpu`: its dry run (tiny sizes, CPU) goes through every part of the GPU
benchmark and reports every number; the full sizes run only on CUDA without --quick."""

from __future__ import annotations

import json
import math

from artimap.bench.gpu import DRY, FULL, sizes
from artimap.cli import main


def test_dry_run_reports_every_part(capsys):
    assert main(["bench", "gpu", "--quick"]) == 0
    out = capsys.readouterr()
    got = json.loads(out.out.strip().splitlines()[-1])
    assert got["bench"] == "gpu" and got["dry_run"] is True
    assert "bench gpu: training" in out.err  # one line per part
    t = got["training"]
    assert t["steps_per_s_fp32"] > 0 and t["steps_per_s_amp"] > 0 and t["final_loss_finite"]
    assert math.isclose(t["amp_speedup"], t["steps_per_s_amp"] / t["steps_per_s_fp32"],
                        rel_tol=0.02)
    assert got["lip2tongue_inference"]["frames_per_s_amp"] > 0
    assert got["phone2face_inference"]["x_realtime"] > 0
    assert all(got[k]["peak_memory_mb"] > 0 for k in ("training", "lip2tongue_inference",
                                                       "phone2face_inference"))


def test_full_sizes_only_on_cuda_without_quick():
    assert sizes(quick=False, cuda=True) == (FULL, False)
    assert sizes(quick=True, cuda=True) == (DRY, True)
    assert sizes(quick=False, cuda=False) == (DRY, True)
    assert FULL["l2t"] == {}  # the paper-size TS-CNN-LSTM
