"""The ratings database: STUDY/ratings.sqlite, one row per (rater, frame, method).

Each answered page is written in one transaction and committed before the next page is shown,
so a rater can stop at any time and lose nothing; answering a page again replaces its rows.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DB_FILE = "ratings.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    rater TEXT NOT NULL,
    frame INTEGER NOT NULL,       -- index into study.json "frames"
    method TEXT NOT NULL,         -- method name (never shown to the rater)
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    slot INTEGER NOT NULL,        -- position on the page (0 = A)
    page INTEGER NOT NULL,        -- position of the page in the rater's session
    answered TEXT NOT NULL,       -- local time of the answer
    PRIMARY KEY (rater, frame, method)
)
"""


@contextmanager
def connect(folder: str | Path) -> Iterator[sqlite3.Connection]:
    """A connection to the study's database (created on first use), closed afterwards."""
    con = sqlite3.connect(Path(folder) / DB_FILE, timeout=30)
    try:
        con.execute(SCHEMA)
        yield con
    finally:
        con.close()


def save_page(folder: str | Path, rater: str, page: int, frame: int,
              scores: dict[str, tuple[int, int]]) -> None:
    """Store one answered page: scores {method: (slot, score)}; committed on return."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    with connect(folder) as con, con:  # the inner `with con` commits (or rolls back)
        con.executemany(
            "INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rater, frame, m, int(score), slot, page, now)
             for m, (slot, score) in scores.items()])


def answered_frames(folder: str | Path, rater: str, n_methods: int) -> set[int]:
    """The frames `rater` has scored every method of."""
    with connect(folder) as con:
        rows = con.execute("SELECT frame FROM ratings WHERE rater = ? GROUP BY frame "
                           "HAVING COUNT(*) >= ?", (rater, n_methods)).fetchall()
    return {int(r[0]) for r in rows}


def all_ratings(folder: str | Path) -> list[tuple[str, int, str, int]]:
    """Every (rater, frame, method, score), sorted."""
    with connect(folder) as con:
        return [(str(r), int(f), str(m), int(s)) for r, f, m, s in con.execute(
            "SELECT rater, frame, method, score FROM ratings ORDER BY rater, frame, method")]
