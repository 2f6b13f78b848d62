"""Fuzz campaign of every reader on damaged copies of the real sample files.

    ARTIMAP_SAMPLE_DATA=../shared/data python benchmarks/fuzz_readers.py --examples 200

Each reader runs in its own worker process, so a crash of a C library (segmentation fault,
abort) is counted and the campaign goes on from the next example. An example is 'ok' (read),
'error' (an ArtimapError: the intended outcome for damage the reader cannot accept), 'escape'
(any other exception: a bug), 'hang' (past the watchdog) or 'crash' (the worker died). Damage
is the test suite's (tests/fuzz_readers.py), drawn from a seeded generator: 1-4 edits, half of
them in the first 2 % of the file where headers live.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def edits_for(seed: int, index: int) -> list[tuple[int, float, int, int]]:
    """The damage of example `index` (deterministic in seed and index)."""
    rng = random.Random(seed * 1_000_003 + index)
    out = []
    for _ in range(rng.randrange(1, 5)):
        # a third each: the first 2 % (headers), the last 3 % (a zip's directory), anywhere
        where = [0.02 * rng.random(), 1.0 - 0.03 * rng.random(), rng.random()][rng.randrange(3)]
        out.append((rng.randrange(6), where, rng.randrange(1, 65), rng.randrange(256)))
    return out


def worker(name: str, start: int, stop: int, seed: int) -> None:
    """Run examples start..stop-1 of reader `name`; one JSON line per example on stdout."""
    from fuzz_readers import CASES, Hang, damage, derived_source, run_damaged

    case = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        original = derived_source(case, Path(tmp) / "_sources").read_bytes()
        for i in range(start, stop):
            row = {"i": i}
            try:
                row["result"] = run_damaged(case, Path(tmp) / "x", damage(original,
                                                                          edits_for(seed, i)))
            except Hang:
                row["result"] = "hang"
            except Exception as e:  # an escape: what the campaign is looking for
                where = traceback.extract_tb(e.__traceback__)[-1]
                row.update(result="escape", error=f"{type(e).__name__} at "
                           f"{Path(where.filename).name}:{where.lineno}: {str(e)[:120]}")
            print(json.dumps(row), flush=True)


def campaign(name: str, examples: int, seed: int) -> dict:
    """All examples of one reader, restarting the worker after a crash."""
    counts: collections.Counter = collections.Counter()
    escapes: list[str] = []
    start, t0 = 0, time.perf_counter()
    while start < examples:
        cmd = [sys.executable, __file__, "--worker", name, str(start), str(examples), str(seed)]
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        done = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        for row in done:
            counts[row["result"]] += 1
            if "error" in row:
                escapes.append(row["error"])
        start = (done[-1]["i"] + 1) if done else start
        if proc.returncode != 0 and start < examples:
            counts["crash"] += 1
            escapes.append(f"worker died ({proc.returncode}) at example {start}: "
                           f"{proc.stderr.strip().splitlines()[-1:] }")
            start += 1
    return {"reader": name, **{k: counts.get(k, 0) for k in
                               ("ok", "error", "escape", "hang", "crash")},
            "seconds": round(time.perf_counter() - t0, 1), "escapes": escapes[:10]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=200, help="damaged copies per reader")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--readers", default="", help="comma list (default: all)")
    p.add_argument("--json", default="", help="also write the rows to this file")
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        name, start, stop, seed = args.worker
        worker(name, int(start), int(stop), int(seed))
        return
    from fuzz_readers import CASES

    names = [n for n in args.readers.split(",") if n] or sorted(CASES)
    rows = []
    print("| reader | runs | read | ArtimapError | escapes | hangs | crashes | s |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        r = campaign(name, args.examples, args.seed)
        rows.append(r)
        print(f"| {name} | {args.examples} | {r['ok']} | {r['error']} | {r['escape']} | "
              f"{r['hang']} | {r['crash']} | {r['seconds']} |", flush=True)
        for e in r["escapes"]:
            print(f"    {e}", file=sys.stderr)
    total = {k: sum(r[k] for r in rows) for k in ("ok", "error", "escape", "hang", "crash")}
    print(f"| **all** | {args.examples * len(rows)} | {total['ok']} | {total['error']} | "
          f"{total['escape']} | {total['hang']} | {total['crash']} | |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
