"""`artimap lips label INPUT --out FEW.csv`: a local web page to place the 8 lip points on a
few frames (Flask, the study app's server).

The frames are spread evenly over the input. Each starts with the model's points (when a model
is at hand), so a good guess needs no clicks; a click on the image places the selected point
(shown in the list) and selects the next, so clicking the 8 in order labels a frame from
scratch; "not visible" blanks the selected point. "Save" writes every frame's points as a
DeepLabCut CSV (frame numbers for a video, file names for a folder): the `--labels` file of
`artimap lips`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import cv2
import numpy as np
from flask import Flask, abort, render_template_string, request

from artimap.io.dlc import write_dlc_csv
from artimap.lips.data import POINTS

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>lip labels</title>
<link rel="icon" href="data:,">
<style>body{font-family:sans-serif} canvas{border:1px solid #888;cursor:crosshair}
li.sel{font-weight:bold;color:#c00} #bar button{margin-right:6px}</style></head><body>
<h1>Lip points: frame <span id="num"></span> of {{ n }}</h1>
<div style="display:flex;gap:16px;align-items:flex-start"><canvas id="cv"></canvas>
<div><ol id="pts">
{% for p in points %}<li id="pt{{ loop.index0 }}">{{ p }}</li>{% endfor %}</ol>
<div id="bar"><button id="prev">previous frame</button><button id="next">next frame</button>
<button id="blank">not visible</button><button id="save">save</button></div>
<p id="status"></p></div></div>
<script>
const frames = {{ frames|safe }}, scale = {{ scale }};
let f = 0, sel = 0, img = new Image();
const cv = document.getElementById("cv"), ctx = cv.getContext("2d");
function draw() {
  ctx.drawImage(img, 0, 0, cv.width, cv.height);
  frames[f].points.forEach((p, k) => { if (p === null) return;
    ctx.fillStyle = k === sel ? "#ff0" : (k < 2 ? "#0f0" : "#f00");
    ctx.beginPath(); ctx.arc(p[0] * scale, p[1] * scale, 4, 0, 7); ctx.fill(); });
  document.querySelectorAll("#pts li").forEach((li, k) => li.className = k === sel ? "sel" : "");
  document.getElementById("num").textContent = f + 1;
}
function show(i) { f = i; sel = 0; img = new Image();
  img.onload = () => { cv.width = img.width * scale; cv.height = img.height * scale; draw(); };
  img.src = frames[f].image; }
cv.addEventListener("click", e => { const r = cv.getBoundingClientRect();
  frames[f].points[sel] = [(e.clientX - r.left - cv.clientLeft) / scale,
                           (e.clientY - r.top - cv.clientTop) / scale];
  sel = (sel + 1) % {{ points|length }}; draw(); });
document.getElementById("blank").onclick = () => { frames[f].points[sel] = null;
  sel = (sel + 1) % {{ points|length }}; draw(); };
document.getElementById("next").onclick = () => show(Math.min(f + 1, frames.length - 1));
document.getElementById("prev").onclick = () => show(Math.max(f - 1, 0));
document.getElementById("save").onclick = async () => {
  const body = JSON.stringify(frames.map(fr => ({index: fr.index, points: fr.points})));
  const res = await fetch("save", {method: "POST", body: body,
                                   headers: {"Content-Type": "application/json"}});
  document.getElementById("status").textContent = await res.text(); };
show(0);
</script></body></html>"""


def pick_frames(n_frames: int, n: int) -> np.ndarray:
    """`n` frame positions spread evenly over `n_frames` (all when there are fewer)."""
    return np.unique(np.linspace(0, n_frames - 1, min(n, n_frames)).round().astype(int))


def _png_uri(frame: np.ndarray) -> str:
    ok, buf = cv2.imencode(".png", frame)
    return "data:image/png;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _parse_points(rows: list, n: int) -> tuple[list[str | int], np.ndarray]:
    """The posted frames -> (index entries, (n, 8, 2) px with NaN for blanks)."""
    if not isinstance(rows, list) or len(rows) != n:
        abort(400, f"expected {n} frames")
    pts = np.full((n, len(POINTS), 2), np.nan)
    index: list[str | int] = []
    for i, row in enumerate(rows):
        index.append(row["index"])
        for k, p in enumerate(row["points"][:len(POINTS)]):
            if p is not None:
                pts[i, k] = [float(p[0]), float(p[1])]
    return index, pts


def create_label_app(frames: np.ndarray, index: list[str | int], picks: np.ndarray,
                     start: np.ndarray | None, out: Path, scale: float = 2.0) -> Flask:
    """The page for labelling frames[picks] ((F, H, W) uint8 frames; `start` (len(picks), 8, 2)
    initial points or None); 'save' writes `out`."""
    app = Flask(__name__)
    shown = []
    for j, i in enumerate(picks):
        init = [None] * len(POINTS) if start is None else \
            [[round(float(x), 2), round(float(y), 2)] for x, y in start[j]]
        shown.append({"index": index[int(i)], "image": _png_uri(frames[int(i)]),
                      "points": init})

    @app.get("/")
    def page():
        return render_template_string(PAGE, frames=json.dumps(shown), n=len(shown),
                                      points=POINTS, scale=scale)

    @app.post("/save")
    def save():
        idx, pts = _parse_points(request.get_json(force=True), len(shown))
        labelled = int(np.isfinite(pts).all(axis=(1, 2)).sum())
        write_dlc_csv(out, pts, list(POINTS), idx, scorer="artimap-label")
        return f"saved {len(idx)} frames ({labelled} with all 8 points) to {out}"

    return app
