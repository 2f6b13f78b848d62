"""Audio prepare benchmark: the quick run gives a per-worker row and a feature-pass row for 1
and 2 workers, with positive speeds and every frame of every wav."""

import argparse

from artimap.bench.prepare_audio import bench_prepare_audio, write_wavs
from artimap.io.wav import read_wav


def test_quick_bench_rows():
    rows = bench_prepare_audio(argparse.Namespace(quick=True))
    (worker,) = [r for r in rows if r["stage"] == "per worker"]
    assert worker["x_realtime_per_cpu_s"] > 0 and worker["threads"] == 1
    passes = [r for r in rows if r["stage"] == "feature pass"]
    assert [r["workers"] for r in passes] == [1, 2]
    for r in passes:
        assert r["frames"] == r["files"] * (int(r["audio_s"] / r["files"] * 100) + 1)
        assert r["projected_hour_wall_s"] > 0 and r["pool_start_s"] >= 0


def test_wavs_are_48k_mono_and_stereo(tmp_path):
    paths, _ = write_wavs(tmp_path, 2, 0.5)
    (mono, rate), (stereo, _) = read_wav(paths[0]), read_wav(paths[1])
    assert rate == 48000 and mono.shape == (24000,) and stereo.shape == (24000, 2)
