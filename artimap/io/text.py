"""Text files as exported by real tools: UTF-8 (with or without BOM), UTF-16/32 (Praat saves
TextGrids with non-ASCII labels as UTF-16; Motive and DeepLabCut exports made on Windows are
often UTF-16 or cp1252). `read_text` decodes all of them; `csv_rows` splits CSV text into rows.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from artimap.errors import file_error

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(raw: bytes) -> str:
    """Decode bytes: a BOM decides; else UTF-8; else UTF-16 without BOM (every other byte NUL
    in mostly-ASCII text); else cp1252 (Windows "ANSI"). Undecodable bytes become U+FFFD."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw.decode(codec, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    head = raw[:4096]
    if len(head) >= 4 and head[1::2].count(0) > 0.4 * len(head[1::2]) > head[0::2].count(0):
        return raw.decode("utf-16-le", errors="replace")
    if len(head) >= 4 and head[0::2].count(0) > 0.4 * len(head[0::2]) > head[1::2].count(0):
        return raw.decode("utf-16-be", errors="replace")
    return raw.decode("cp1252", errors="replace")


def read_text(path: str | Path, what: str = "file") -> str:
    """The text of `path` in whichever encoding it uses (see `decode_text`); NUL characters
    (damage, or a binary file) are dropped. A missing/unreadable file names `path`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise file_error(path, f"no such {what}", "Check the path") from None
    except OSError as e:
        raise file_error(path, f"cannot read the {what} ({e.strerror or e})") from e
    return decode_text(raw).replace("\x00", "")


def csv_rows(path: str | Path, text: str, delimiter: str = ",") -> list[list[str]]:
    """Rows of CSV `text` (read from `path`, named in errors)."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise file_error(path, f"not a readable CSV file ({e})",
                         "Re-export it as comma-separated text") from e
