"""`artimap predict RUN --audio -`: a causal audio run on live audio from standard input.

Standard input carries raw 16-bit little-endian mono PCM at `--rate` Hz (default 16000; any
other rate is resampled to 16 kHz chunk by chunk with the offline filter), e.g. a microphone:

    arecord -f S16_LE -r 16000 -c 1 | artimap predict RUN --audio -

Each target-rate output is written as soon as the audio it depends on has arrived
(`artimap.tasks.audio_stream`): one CSV line per output frame, its time (s) and then its
values formatted as the task's offline CSV writes them, after one header line; to standard
output, or to the file `--out`. The lines equal the offline prediction of the same audio as a
wav (within float rounding, which the printed digits hide).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from artimap.data.audio.mel import RATE
from artimap.data.audio.resample_stream import StreamResampler
from artimap.errors import ArtimapError
from artimap.tasks.audio_stream import AudioStreamPredictor, Output

READ_BYTES = 1024  # at most this much PCM per read: 32 ms at 16 kHz
Formatter = Callable[[np.ndarray], list[str]]  # one output (*target_shape) -> its CSV cells


def add_audio_arguments(p: argparse.ArgumentParser, what: str) -> None:
    """`--audio`, `--start` and `--rate` of the audio tasks' `artimap predict`."""
    p.add_argument("--audio", required=True,
                   help="wav file (any rate, mono or stereo), or - for raw 16-bit "
                        "little-endian mono PCM on standard input (needs a causal run)")
    p.add_argument("--start", type=float, default=0.0,
                   help=f"time of the first {what} frame, s after the audio start (default 0)")
    p.add_argument("--rate", type=int, default=RATE,
                   help="with --audio -: sample rate of the PCM in Hz (default 16000)")


def out_optional(args: argparse.Namespace) -> bool:
    """Live input writes to standard output unless --out names a file."""
    return args.audio == "-"


def pcm_chunks(stream: IO[bytes]) -> Iterator[np.ndarray]:
    """Raw 16-bit little-endian PCM as it arrives -> chunks (S,) float64 on [-1, 1)."""
    read = getattr(stream, "read1", stream.read)  # read1: whatever has arrived, no waiting
    left = b""
    while data := read(READ_BYTES):
        data, n = left + data, (len(left) + len(data)) // 2 * 2
        left = data[n:]
        if n:
            yield np.frombuffer(data[:n], "<i2").astype(np.float64) / 32768.0


def stream_rows(model: Any, meta: dict[str, Any], pcm: IO[bytes], sink: IO[str],
                rate: int, start: float, cells: Formatter, columns: list[str]) -> int:
    """Predict from the PCM stream `pcm` at `rate` Hz, writing the header and one line per
    output to `sink` as they come (module doc); returns the number of output lines."""
    if rate <= 0:
        raise ArtimapError(f"--rate {rate}: must be a positive number of samples per second")
    predictor = AudioStreamPredictor(model, meta, start)
    resampler = StreamResampler(rate)
    sink.write(",".join(["time_s", *columns]) + "\n")
    sink.flush()
    n_in, n_lines = 0, 0

    def write(outputs: list[Output]) -> None:
        nonlocal n_lines
        sink.write("".join(",".join([f"{o.time_s:.6f}", *cells(o.value)]) + "\n"
                           for o in outputs))
        sink.flush()
        n_lines += len(outputs)

    for x in pcm_chunks(pcm):
        n_in += len(x)
        write(predictor.push(resampler.push(x)))
    write(predictor.push(resampler.finish()) + predictor.finish(n_in / rate))
    return n_lines


def live_predict(run: Any, args: argparse.Namespace, cells: Formatter,
                 columns: list[str]) -> Path | None:
    """`--audio -` of a loaded run: standard input -> CSV lines on standard output or in the
    file `args.out` (returned; None for standard output)."""
    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        raise ArtimapError(f"{out}: with --audio - the predictions are one CSV file; name a "
                           "file (e.g. --out live.csv) or leave --out out for standard output")
    if out is not None and out.exists() and not args.overwrite:
        raise ArtimapError(f"{out}: already exists; pass --overwrite to replace it, or choose "
                           "another --out")
    sink = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    try:
        stream_rows(run.model, run.meta, sys.stdin.buffer, sink, int(args.rate),
                    float(args.start), cells, columns)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop without a traceback
        if out is None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        if out is not None:
            sink.close()
    return out
