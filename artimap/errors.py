"""User-facing errors.

An `ArtimapError` carries a message meant for the person at the keyboard: it names the file (or
setting), says what is wrong and how to fix it. The CLI prints it on one line and exits with 2;
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class ArtimapError(Exception):
    """A problem with the user's input, files or settings (not a bug in artimap)."""


def file_error(path: str | Path, problem: str, fix: str = "") -> ArtimapError:
    """Build an error of the form '<path>: <problem>. <fix>'."""
    msg = f"{path}: {problem}"
    if fix:
        msg += f". {fix}"
    return ArtimapError(msg)
