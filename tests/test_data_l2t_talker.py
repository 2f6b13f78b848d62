"""lip2tongue on the virtual talker: prepare -> dataset -> DataLoader, timing against the truth."""

import json

import numpy as np
import pytest
from torch.utils.data import DataLoader

from artimap.data.lip2tongue import Lip2TongueDataset
from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings

LAGS = range(-4, 5)  # lip frames


@pytest.fixture(scope="module")
def talker(tmp_path_factory):
    synth = pytest.importorskip("artimap.synth.corpus", reason="virtual talker not available")
    root = tmp_path_factory.mktemp("talker")
    synth.generate_corpus(root / "corpus", "tiny", seed=0, progress=False)
    return root


def _truth(corpus, entry):
    from artimap.synth.truth import read_contour_csv

    meta = json.loads((corpus / "corpus.json").read_text())
    files = next(u["files"] for u in meta["utterances"] if u["id"] == entry["id"])
    return read_contour_csv(corpus / files["contour"])  # times (F_t,), raw, mm (F_t, K, 2)


def _iou(a, b):
    """Intersection over union of two (x, y, w, h) boxes."""
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def _lip_times(entry):
    first = np.ceil(entry["sync"]["span_s"][0] * entry["video_fps"] - 1e-6)  # first lip frame
    return (first + np.arange(entry["n_frames"])) / entry["video_fps"]


def test_image_targets_follow_the_true_contour_in_time(talker):
    out = talker / "img"
    m = prepare(talker / "corpus", out, Settings(), workers=1)
    assert m["format"] == "talker" and m["arrays"]["targets"]["shape"][1:] == [128, 64]
    targets = np.load(out / "targets.npy").astype(np.float32)
    nv, ppv = json.loads((talker / "corpus/corpus.json").read_text())["sizes"]["ultrasound"]
    for entry in m["utterances"]:
        rows = targets[entry["offset"]:entry["offset"] + entry["n_frames"]]  # (F, 128, 64)
        times, raw, _ = _truth(talker / "corpus", entry)
        brightness = []
        for lag in LAGS:  # mean target intensity on the true contour, read `lag` frames away
            k = np.clip(np.rint(np.interp(_lip_times(entry) + lag / 60, times,
                                          np.arange(len(times)))).astype(int), 0, len(times) - 1)
            x = np.clip(np.rint((raw[k, :, 0] + 0.5) * 64 / nv - 0.5).astype(int), 0, 63)
            y = np.clip(np.rint((raw[k, :, 1] + 0.5) * 128 / ppv - 0.5).astype(int), 0, 127)
            brightness.append(rows[np.arange(len(k))[:, None], y, x].mean())
        best = list(LAGS)[int(np.argmax(brightness))]
        assert abs(best) <= 1, f"{entry['id']}: contour brightest {best} frames off"
    hint = json.loads((talker / "corpus/corpus.json").read_text())["speakers"][0]["lip_roi"]
    assert _iou(m["utterances"][0]["roi"], hint) > 0.5  # the automatic box finds the mouth
    batch = next(iter(DataLoader(Lip2TongueDataset(out, "train"), batch_size=2, shuffle=True)))
    assert batch["frames"].shape == (2, 7, 1, 96, 96) and batch["flow"].shape == (2, 6, 2, 96, 96)
    assert batch["target"].shape == (2, 128, 64)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_point_targets_match_the_truth_at_lip_frame_times(talker, mode):
    out = talker / f"pts_{mode}"
    settings = Settings(target="points", resample=mode, flow="dis")
    m = prepare(talker / "corpus", out, settings, workers=1)
    assert m["target_units"].startswith("mm")
    targets = np.load(out / "targets.npy")
    for entry in m["utterances"]:
        times, _, mm = _truth(talker / "corpus", entry)
        rows = targets[entry["offset"]:entry["offset"] + entry["n_frames"]]  # (F, K, 2)
        t = _lip_times(entry)
        assert times[0] <= t[0] and t[-1] <= times[-1]
        if mode == "nearest":
            k = np.abs(times[None, :] - t[:, None]).argmin(axis=1)
            assert np.allclose(rows, mm[k], atol=1e-4)
            assert np.abs(times[k] - t).max() <= 0.5 / 81.0  # within half an ultrasound frame
        else:
            for p in range(mm.shape[1]):
                for c in range(2):
                    assert np.allclose(rows[:, p, c], np.interp(t, times, mm[:, p, c]), atol=1e-3)
    item = Lip2TongueDataset(out, "train", clip_len=7, target_position="all")[0]
    assert item["target"].shape == (7, mm.shape[1], 2)
