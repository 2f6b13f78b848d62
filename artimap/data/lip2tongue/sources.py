"""Find the utterances of a lip + tongue corpus, per format.

Formats (`--format`):
- talker: a virtual-talker corpus: `corpus.json` and `<spk>/<utt>.mp4` with `<utt>.ult` +
  `<utt>.param` (image targets) or `<utt>.contour.csv` (point targets).
- aaa: AAA / UltraSuite / TaL exports: `<id>.mp4` (or `.avi`) lip video beside `<id>.ult` and its
  parameter file (`<id>.param`, `<id>US.txt` or `US.txt`) for image targets, or beside a
  DeepLabCut CSV `<id>*.tongue_dlc.csv` / `<id>*DLC*.csv` plus the parameter file (for
  TimeInSecsOfFirstFrame) for point targets. Searched recursively; the folder holding the files
  is the speaker.
- frames: SSC-style folders, one per utterance, holding a lip frame folder (`lips`, `lip`,
  `mouth`, `video` or `camera`) and an ultrasound frame folder (`tongue`, `ultrasound`, `us`,
  `ult`), paired by index.
- auto: talker if `corpus.json` says so, else frames if such folders exist, else aaa.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from artimap.errors import ArtimapError, file_error
from artimap.io.ult import param_candidates
from artimap.synth.truth import read_corpus_json

FORMATS = ("auto", "aaa", "frames", "talker")
TARGETS = ("image", "points")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")
DLC_PATTERNS = ("{id}*.tongue_dlc.csv", "{id}*DLC*.csv")
LIP_DIRS = ("lips", "lip", "mouth", "video", "camera")
ULT_DIRS = ("tongue", "ultrasound", "us", "ult")
TALKER_FORMAT = "artimap-talker"


@dataclass(frozen=True)
class Utterance:
    """Where one utterance's streams are. `kind` says how to read `target`."""

    id: str  # unique in the corpus ('speaker/stem' when nested)
    speaker: str
    lips: Path  # lip video file, or folder of lip frames
    target: Path  # .ult, DLC .csv, contour .csv, or folder of ultrasound frames
    kind: str  # "ult", "dlc", "contour" or "frames"
    param: Path | None = None  # AAA parameter file (ult and dlc)

    def files(self) -> dict[str, str]:
        """The source files, for the manifest."""
        out = {"lips": str(self.lips), "target": str(self.target)}
        if self.param is not None:
            out["param"] = str(self.param)
        return out


def looked_for(fmt: str, target: str) -> str:
    """Human description of the file patterns searched for `fmt` (for 'nothing found')."""
    aaa_target = ("<id>.ult with <id>.param / <id>US.txt / US.txt" if target == "image" else
                  " or ".join(p.replace("{id}", "<id>") for p in DLC_PATTERNS)
                  + " with <id>.param / <id>US.txt")
    texts = {
        "talker": f"corpus.json with format {TALKER_FORMAT!r} and <spk>/<utt>.mp4 + "
                  + ("<utt>.ult/.param" if target == "image" else "<utt>.contour.csv"),
        "aaa": f"<id>{'/'.join(VIDEO_SUFFIXES)} lip videos beside {aaa_target}",
        "frames": f"utterance folders holding a lip frame folder ({'/'.join(LIP_DIRS)}) and an "
                  f"ultrasound frame folder ({'/'.join(ULT_DIRS)})",
    }
    if fmt == "auto":
        return "; ".join(texts.values())
    return texts[fmt]


def discover(corpus: str | Path, fmt: str = "auto", target: str = "image"
             ) -> tuple[str, list[Utterance]]:
    """Find the utterances of `corpus`: (format used, utterances sorted by id).

    Raises ArtimapError naming the folder and the patterns looked for when nothing is found.
    """
    corpus = Path(corpus)
    if fmt not in FORMATS:
        raise ArtimapError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if target not in TARGETS:
        raise ArtimapError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if not corpus.is_dir():
        raise file_error(corpus, "corpus folder not found", "Check --corpus")
    asked = fmt
    if fmt == "auto":
        fmt = _detect(corpus)
    finders = {"talker": _talker, "aaa": _aaa, "frames": _frames}
    utts = sorted(finders[fmt](corpus, target), key=lambda u: u.id)
    unpaired = _unpaired_videos(corpus, utts) if fmt == "aaa" else []
    if not utts:
        hint = "Check --corpus, --format and --target"
        if unpaired:
            other = "points" if target == "image" else "image"
            hint = (f"Found {len(unpaired)} lip videos with no {target} target file (e.g. "
                    f"{unpaired[0].name}); try --target {other}")
        raise file_error(corpus, f"no utterances found (format {asked}; looked for "
                         f"{looked_for(asked, target)})", hint)
    if unpaired:
        warnings.warn(f"{corpus}: ignoring {len(unpaired)} lip videos with no {target} "
                      f"target file (e.g. {unpaired[0]})", stacklevel=2)
    lone = _lone_ultrasound(corpus, utts) if fmt == "aaa" and target == "image" else []
    if lone:
        shown = ", ".join(str(p) for p in lone[:3]) + (", ..." if len(lone) > 3 else "")
        warnings.warn(f"{corpus}: ignoring {len(lone)} .ult files with no lip video beside them "
                      f"({shown}); put <id>.mp4 or <id>.avi next to each <id>.ult",
                      stacklevel=2)
    if fmt == "frames" and target == "points":
        raise ArtimapError("--target points needs tongue points (talker contours or DeepLabCut "
                           "CSVs); frame-folder corpora only have images: use --target image")
    return fmt, utts


def _unpaired_videos(corpus: Path, utts: list[Utterance]) -> list[Path]:
    used = {u.lips for u in utts}
    return sorted(p for p in _videos(corpus) if p not in used)


def _lone_ultrasound(corpus: Path, utts: list[Utterance]) -> list[Path]:
    """.ult files of an AAA corpus that no utterance uses (no lip video beside them)."""
    used = {u.target for u in utts}
    return sorted(p for p in corpus.rglob("*.ult") if p not in used and p.is_file())


def _videos(corpus: Path) -> list[Path]:
    return [p for p in corpus.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()]


def _detect(corpus: Path) -> str:
    if (corpus / "corpus.json").is_file():
        return "talker"
    if next(_frame_utterance_dirs(corpus), None) is not None:
        return "frames"
    return "aaa"


def _talker(corpus: Path, target: str) -> list[Utterance]:
    meta = read_corpus_json(corpus)
    out = []
    for entry in meta.get("utterances", []):
        uid, spk = str(entry["id"]), str(entry["speaker"])
        files = {k: corpus / v for k, v in entry.get("files", {}).items()}
        base = corpus / spk / uid
        video = files.get("video", base.with_suffix(".mp4"))
        if target == "image":
            out.append(Utterance(uid, spk, video, files.get("ultrasound", base.with_suffix(".ult")),
                                 "ult", files.get("param", base.with_suffix(".param"))))
        else:
            contour = files.get("contour", base.with_name(f"{uid}.contour.csv"))
            out.append(Utterance(uid, spk, video, contour, "contour"))
    return out


def _speaker_and_id(corpus: Path, path: Path) -> tuple[str, str]:
    rel = path.relative_to(corpus).with_suffix("")
    speaker = rel.parent.as_posix() if rel.parent != Path(".") else corpus.resolve().name
    return speaker, rel.as_posix()


def _aaa(corpus: Path, target: str) -> list[Utterance]:
    out = []
    for video in _videos(corpus):
        speaker, uid = _speaker_and_id(corpus, video)
        ult = video.with_suffix(".ult")
        param = next((c for c in param_candidates(ult) if c.is_file()), None)
        if target == "image":
            if ult.is_file():
                out.append(Utterance(uid, speaker, video, ult, "ult", param))
            continue
        dlc = _find_dlc(video)
        if dlc is not None:
            out.append(Utterance(uid, speaker, video, dlc, "dlc", param))
    return out


def _find_dlc(video: Path) -> Path | None:
    for pattern in DLC_PATTERNS:
        hits = sorted(video.parent.glob(pattern.format(id=video.stem)))
        if hits:
            return hits[0]
    return None


def _child(folder: Path, names: tuple[str, ...]) -> Path | None:
    for child in sorted(folder.iterdir()):
        if child.is_dir() and child.name.lower() in names:
            return child
    return None


def _frame_utterance_dirs(corpus: Path):
    for folder in sorted([corpus, *(p for p in corpus.rglob("*") if p.is_dir())]):
        lips, ult = _child(folder, LIP_DIRS), _child(folder, ULT_DIRS)
        if lips is not None and ult is not None:
            yield folder, lips, ult


def _frames(corpus: Path, target: str) -> list[Utterance]:
    out = []
    for folder, lips, ult in _frame_utterance_dirs(corpus):
        if folder == corpus:
            speaker, uid = corpus.resolve().name, corpus.resolve().name
        else:
            speaker, uid = _speaker_and_id(corpus, folder)
        out.append(Utterance(uid, speaker, lips, ult, "frames"))
    return out
