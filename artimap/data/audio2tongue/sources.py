"""Find the utterances of an audio + tongue corpus.

Formats (detected: `corpus.json` of a virtual talker, else aaa):
- talker: `corpus.json` and `<spk>/<utt>.wav` with `<utt>.contour.csv` (points / contour
  targets: the true contour in mm) or `<utt>.ult` + `<utt>.param` (image targets).
- aaa: AAA / UltraSuite / TaL exports, searched recursively: `<id>.wav` beside a DeepLabCut
  CSV `<id>*.tongue_dlc.csv` / `<id>*DLC*.csv` and the parameter file (`<id>.param`,
  `<id>US.txt` or `US.txt`, for TimeInSecsOfFirstFrame) for point targets, or beside `<id>.ult`
  and its parameter file for image targets. The folder holding the files is the speaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from artimap.errors import ArtimapError, file_error
from artimap.io.ult import param_candidates
from artimap.synth.truth import read_corpus_json

TARGETS = ("points", "contour", "image")
DLC_PATTERNS = ("{id}*.tongue_dlc.csv", "{id}*DLC*.csv")


@dataclass(frozen=True)
class AudioUtterance:
    """Where one utterance's audio and target are; `kind` says how to read the target."""

    id: str  # unique in the corpus ('speaker/stem' when nested)
    speaker: str
    wav: Path
    target: Path  # DLC .csv, contour .csv or .ult
    kind: str  # "dlc", "contour" or "ult"
    param: Path | None = None  # AAA parameter file (dlc and ult)

    def files(self) -> dict[str, str]:
        """The source files, for the manifest."""
        out = {"audio": str(self.wav), "target": str(self.target)}
        if self.param is not None:
            out["param"] = str(self.param)
        return out


def discover(corpus: str | Path, target: str) -> tuple[str, list[AudioUtterance]]:
    """(format, utterances sorted by id) of `corpus`; nothing found is an error naming the
    folder and the file patterns looked for."""
    corpus = Path(corpus)
    if target not in TARGETS:
        raise ArtimapError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if not corpus.is_dir():
        raise file_error(corpus, "corpus folder not found", "Check --corpus")
    fmt = "talker" if (corpus / "corpus.json").is_file() else "aaa"
    utts = sorted(_talker(corpus, target) if fmt == "talker" else _aaa(corpus, target),
                  key=lambda u: u.id)
    if not utts:
        wanted = ("<id>.ult with <id>.param" if target == "image" else
                  "<id>*.tongue_dlc.csv or <id>*DLC*.csv with <id>.param")
        if fmt == "talker":
            wanted = "<utt>.ult/.param" if target == "image" else "<utt>.contour.csv"
        raise file_error(corpus, f"no utterances found (format {fmt}; looked for <id>.wav "
                         f"beside {wanted})", "Check --corpus and --target")
    return fmt, utts


def _talker(corpus: Path, target: str) -> list[AudioUtterance]:
    out = []
    for entry in read_corpus_json(corpus).get("utterances", []):
        uid, spk = str(entry["id"]), str(entry["speaker"])
        files = {k: corpus / v for k, v in entry.get("files", {}).items()}
        base = corpus / spk / uid
        wav = files.get("audio", base.with_suffix(".wav"))
        if target == "image":
            out.append(AudioUtterance(uid, spk, wav, files.get("ultrasound",
                                      base.with_suffix(".ult")), "ult",
                                      files.get("param", base.with_suffix(".param"))))
        else:
            contour = files.get("contour", base.with_name(f"{uid}.contour.csv"))
            out.append(AudioUtterance(uid, spk, wav, contour, "contour"))
    return out


def _aaa(corpus: Path, target: str) -> list[AudioUtterance]:
    out = []
    for wav in sorted(p for p in corpus.rglob("*.wav") if p.is_file()):
        rel = wav.relative_to(corpus).with_suffix("")
        speaker = rel.parent.as_posix() if rel.parent != Path(".") else corpus.resolve().name
        ult = wav.with_suffix(".ult")
        param = next((c for c in param_candidates(ult) if c.is_file()), None)
        if target == "image":
            if ult.is_file():
                out.append(AudioUtterance(rel.as_posix(), speaker, wav, ult, "ult", param))
            continue
        dlc = next((h for pat in DLC_PATTERNS
                    for h in sorted(wav.parent.glob(pat.format(id=wav.stem)))), None)
        if dlc is not None:
            out.append(AudioUtterance(rel.as_posix(), speaker, wav, dlc, "dlc", param))
    return out
