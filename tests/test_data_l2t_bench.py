"""lip2tongue benchmark: quick run returns one row per measurement with positive rates."""

import argparse

from artimap.bench.prepare_lip2tongue import bench_prepare_lip2tongue


def test_quick_bench_rows():
    rows = bench_prepare_lip2tongue(argparse.Namespace(quick=True))
    flows = [r for r in rows if r["stage"] == "crop+resize+flow"]
    assert sorted(r["flow"] for r in flows) == ["dis", "farneback"]
    assert all(r["frames_per_s"] > 0 and r["size"] == 96 for r in flows)
    (read,) = [r for r in rows if r["stage"] == "dataset read"]
    assert read["clips_per_s"] > 0 and read["clip_len"] == 7
