"""`artimap study serve STUDY`: the rating web app (Flask; its development server by default).

    GET  /                    the rater enters an id (a returning rater continues where they
                              stopped)
    GET  /rate/<rater>        the rater's next unanswered page, or the end page
    POST /rate/<rater>/<page> the page's scores, stored and committed, then the next page

Images are embedded in the page (data URIs): file names and URLs never name a method.
"""

from __future__ import annotations

import base64
from pathlib import Path

from flask import Flask, abort, redirect, render_template_string, request, url_for

from artimap.errors import ArtimapError
from artimap.study import store
from artimap.study.design import (
    SCORES,
    check_rater,
    image_path,
    rater_pages,
    read_study,
    slot_label,
)

_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>{{ title }}</title><style>
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 1.5em auto; }
.frames { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
.frames figure { margin: 0; text-align: center; }
.frames img { width: 160px; image-rendering: pixelated; border: 1px solid #999; }
.error { color: #b00; } label { margin-right: 0.4em; }
</style></head><body>"""
START = _HEAD + """<h1>Ultrasound similarity rating</h1>
<p>Each page shows a real ultrasound tongue image and several predictions of it. Rate how
similar each prediction is to the real image: 1 = not at all, 5 = the same. You may stop at
any time and continue later with the same id.</p>
{% if error %}<p class="error" id="error">{{ error }}</p>{% endif %}
<form method="post" action="{{ url_for('start') }}">
<label for="rater">Your id</label><input id="rater" name="rater" required>
<button id="begin" type="submit">Start or continue</button></form></body></html>"""
PAGE = _HEAD + """<h1>Frame {{ number }} of {{ total }}</h1>
<form method="post" id="rating" action="{{ url_for('answer', rater=rater, page=page) }}">
<div class="frames"><figure><img id="real" alt="real" src="{{ real }}">
<figcaption>real</figcaption></figure>
{% for label, src in shown %}<figure><img class="pred" alt="{{ label }}" src="{{ src }}">
<figcaption>{{ label }}<br>{% for s in scores %}<label><input type="radio" required
name="slot{{ label }}" value="{{ s }}">{{ s }}</label>
{% endfor %}</figcaption></figure>{% endfor %}</div>
<p><button id="submit" type="submit">Save and next</button>
<a id="stop" href="{{ url_for('home') }}">Stop here (continue later with the same id)</a></p>
</form></body></html>"""
DONE = _HEAD + """<h1 id="done">Thank you</h1><p>All {{ total }} frames are rated.</p>
</body></html>"""


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def create_app(folder: str | Path) -> Flask:
    """The Flask app of the study in `folder`."""
    study = read_study(folder)
    methods, total = study["methods"], len(study["frames"])
    app = Flask(__name__)

    def rater_or_404(rater: str) -> str:
        try:
            return check_rater(rater)
        except ArtimapError:
            abort(404)

    @app.get("/")
    def home():
        return render_template_string(START, title="rating", error=request.args.get("error"))

    @app.post("/start")
    def start():
        rater = request.form.get("rater", "").strip()
        try:
            check_rater(rater)
        except ArtimapError as e:
            return redirect(url_for("home", error=str(e)))
        return redirect(url_for("next_page", rater=rater))

    @app.get("/rate/<rater>")
    def next_page(rater: str):
        pages = rater_pages(study, rater_or_404(rater))
        done = store.answered_frames(folder, rater, len(methods))
        todo = [i for i, p in enumerate(pages) if p.frame not in done]
        if not todo:
            return render_template_string(DONE, title="done", total=total)
        i = todo[0]
        shown = [(slot_label(s), _data_uri(image_path(folder, pages[i].frame, m)))
                 for s, m in enumerate(pages[i].methods)]
        return render_template_string(
            PAGE, title=f"frame {len(done) + 1}", number=len(done) + 1, total=total,
            rater=rater, page=i, real=_data_uri(image_path(folder, pages[i].frame, None)),
            shown=shown, scores=SCORES)

    @app.post("/rate/<rater>/<int:page>")
    def answer(rater: str, page: int):
        pages = rater_pages(study, rater_or_404(rater))
        if not 0 <= page < len(pages):
            abort(404)
        scores = {}
        for slot, m in enumerate(pages[page].methods):
            value = request.form.get(f"slot{slot_label(slot)}", "")
            if not value.isdigit() or int(value) not in SCORES:
                abort(400, f"score {slot_label(slot)} missing or not one of 1-5")
            scores[methods[m]] = (slot, int(value))
        store.save_page(folder, rater, page, pages[page].frame, scores)
        return redirect(url_for("next_page", rater=rater))

    return app


def serve(folder: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app on host:port until interrupted (Flask's threaded development server)."""
    create_app(folder).run(host=host, port=port, threaded=True)
