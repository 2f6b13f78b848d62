"""Corpus engines other than the built-in talker, found through package entry points.

An engine is a separately installed package (e.g. the GPL-3 VocalTractLab talker in
`extras/artimap-vtl`) that registers, in the entry-point group `artimap.engines`, a function

    generate(out, *, preset, seed, speakers, utterances, workers, overwrite, progress,
             shard, cache) -> dict | None

that writes an ordinary talker corpus (the files and `corpus.json` of `artimap synth`) and
returns its corpus.json content (None for a `shard` run, which only fills the cache). artimap
never imports an engine's package: it loads the entry point by name, so a licence boundary
such as GPL-3 stays on the engine's side.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from artimap.errors import ArtimapError

GROUP = "artimap.engines"
BUILTIN = "talker"  # the virtual talker of artimap.synth
# engine -> how to install it, for the error when it is missing
INSTALL: dict[str, str] = {
    "vtl": "run `make setup-vtl` or `pip install -e extras/artimap-vtl` (GPL-3, VocalTractLab)",
}


def installed_engines() -> list[str]:
    """Names of the engines registered by installed packages (not the built-in talker)."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def find_engine(name: str) -> Callable[..., dict | None]:
    """The `generate` function of engine `name`; ArtimapError saying how to install it."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        how = INSTALL.get(name, f"install a package that provides the {GROUP} entry point "
                                f"{name!r}")
        raise ArtimapError(f"synth engine {name!r} is not installed; {how}")
    return found[0].load()


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """'K/N' (1 <= K <= N) -> (K, N); None stays None."""
    if text is None:
        return None
    try:
        k, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise ArtimapError(f"--shard {text!r}: expected K/N, e.g. 3/8") from None
    if not 1 <= k <= n:
        raise ArtimapError(f"--shard {text!r}: K must be between 1 and N")
    return k, n
