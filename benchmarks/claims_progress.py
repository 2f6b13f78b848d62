"""Progress table of the phone2face claims study (configs/phone2face/claims.yaml) from its run
folders' metrics.jsonl, while it runs or after: validation RMSE (mm per coordinate, the square
root of the validation MSE on raw coordinates) at fixed step counts, the minimum and where it
was reached. Usage: python benchmarks/claims_progress.py OUT_DIR [MEAN_FACE_RMSE_MM]"""

from __future__ import annotations

import json
import math
import sys
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
    main(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else None)
