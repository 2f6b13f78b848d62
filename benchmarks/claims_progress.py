"""Progress table of the phone2face claims study (configs/phone2face/claims.yaml) from its run
folders' metrics.jsonl, while it runs or after: validation RMSE (mm per coordinate, the square
root of the validation MSE on raw coordinates) at fixed step counts, the minimum and where it
was reached; with --figure PNG also the validation curves of every run (log scale).
Usage: python benchmarks/claims_progress.py OUT_DIR [MEAN_FACE_RMSE_MM] [--figure PNG]"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

STEPS = (500, 2000, 5000, 10000, 20000)


def _rows(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:  # a line being written
            break
    return [r for r in rows if r.get("val_loss") is not None]


def _at(rows: list[dict], step: int) -> str:
    got = [r for r in rows if r["step"] <= step]
    if not got or rows[-1]["step"] < step:
        return "-"
    return f"{math.sqrt(got[-1]['val_loss']):.3f}"


def figure(out: Path, path: Path, floor: float | None) -> None:
    """Validation RMSE (mm) against step for every run: colour per row, line style per seed."""
    from artimap.fsutil import atomic_path
    from artimap.plots import plt

    fig, ax = plt.subplots(figsize=(7.5, 4))
    colours: dict[str, str] = {}
    for log in sorted(out.glob("*/seed*/metrics.jsonl")):
        rows = _rows(log)
        if not rows:
            continue
        row, seed = log.parent.parent.name, int(log.parent.name.removeprefix("seed"))
        colour = colours.setdefault(row, f"C{len(colours)}")
        ax.plot([r["step"] for r in rows], [math.sqrt(r["val_loss"]) for r in rows],
                ("-", "--", ":")[seed % 3], color=colour, label=f"{row} seed{seed}")
    if floor is not None:
        ax.axhline(floor, color="grey", lw=0.8, label="mean face (test)")
    ax.set_yscale("log")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("validation RMSE, mm")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)


def main(out: Path, floor: float | None) -> None:
    print("| run | steps done | " + " | ".join(f"val RMSE @{s}" for s in STEPS)
          + " | min val RMSE (step, epoch) |")
    print("|---" * (len(STEPS) + 3) + "|")
    for log in sorted(out.glob("*/seed*/metrics.jsonl")):
        rows = _rows(log)
        if not rows:
            continue
        best = min(rows, key=lambda r: r["val_loss"])
        name = f"{log.parent.parent.name} {log.parent.name}"
        cells = [_at(rows, s) for s in STEPS]
        print(f"| {name} | {rows[-1]['step']} | " + " | ".join(cells)
              + f" | {math.sqrt(best['val_loss']):.3f} ({best['step']}, {best['epoch']}) |")
    if floor is not None:
        print(f"\nmean face (floor): {floor:.3f} mm")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("floor", type=float, nargs="?")
    parser.add_argument("--figure", type=Path)
    args = parser.parse_args()
    main(args.out, args.floor)
    if args.figure:
        figure(args.out, args.figure, args.floor)
