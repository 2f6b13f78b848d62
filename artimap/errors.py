"""User-facing errors.

An `ArtimapError` carries a message meant for the person at the keyboard: it names the file (or
setting), says what is wrong and how to fix it. The CLI prints it on one line and exits with 2;
any other exception is a bug and keeps its traceback. Warnings (something the user should
know, nothing stopped) print as one line too under the CLI (`one_line_warnings`).
"""

from __future__ import annotations

import warnings
from pathlib import Path


class ArtimapError(Exception):
    """A problem with the user's input, files or settings (not a bug in artimap)."""


def file_error(path: str | Path, problem: str, fix: str = "") -> ArtimapError:
    """Build an error of the form '<path>: <problem>. <fix>'."""
    msg = f"{path}: {problem}"
    if fix:
        msg += f". {fix}"
    return ArtimapError(msg)


_PACKAGE = Path(__file__).resolve().parent
_python_formatwarning = warnings.formatwarning


def _format_warning(message: Warning | str, category: type[Warning], filename: str,
                    lineno: int, line: str | None = None) -> str:
    """artimap's own warnings as one line `artimap: warning: ...` (no source line: the
    message names the file and the fix); other libraries' as Python formats them."""
    if issubclass(category, UserWarning) and Path(filename).resolve().is_relative_to(_PACKAGE):
        return f"artimap: warning: {message}\n"
    return _python_formatwarning(message, category, filename, lineno, line)


def one_line_warnings() -> None:
    """Print artimap's warnings as one line each (installed by the CLI and its workers). It
    sets how warnings are formatted, not shown, so `warnings.catch_warnings(record=True)`
    still records them."""
    warnings.formatwarning = _format_warning
