"""The one owner of a prepared dataset folder: every reader of it takes a `Prepared`.

A prepared dataset (written by `artimap prepare TASK`, see `artimap.data.common` for the
writing side) is a folder:

    manifest.json   what was prepared, from what, with which settings; per-utterance entries
                    with their first array row ("offset") and row count ("n_frames")
    split.json      {"train": [...utterance ids], "val": [...], "test": [...]}
    stats.json      statistics fitted on the training split at prepare
    phones.json     phone2face: the phone inventory the phone ids index
    *.npy           arrays concatenated over utterances, memory-mapped read-only
    streams         (audio tasks) arrays at their own frame rate, declared under "streams"
                    (e.g. log-mel frames every 10 ms): their headers are checked like the
                    arrays', but their rows are not the target rows; each utterance says where
                    its rows are (entry["streams"][name] = [first row, row count])

`Prepared.open(folder, task)` reads and checks the JSON files once (a damaged, truncated or
edited file is one line naming it), checks every array's header against the manifest and the
utterance rows against the arrays, and computes the dataset's **fingerprint**: a hash of the
manifest, the split, the phone inventory and the arrays' shapes and dtypes. A run records the
fingerprint of the data it was trained on; evaluation, resuming and prediction compare it
(`artimap.tasks.datacheck`), so a dataset prepared again (another split seed, another image
size) or edited after prepare cannot be scored as if it were the run's own.

Nothing here is task-specific beyond the file names; tasks add their own views (e.g.
`artimap.data.lip2tongue.clips` for lip2tongue's clips and target rows).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from artimap.errors import ArtimapError, file_error

SPLITS = ("train", "val", "test")
MANIFEST, SPLIT, STATS, PHONES = "manifest.json", "split.json", "stats.json", "phones.json"


def is_prepared(folder: str | Path) -> bool:
    """Whether `folder` holds a complete prepared dataset (its manifest is written last)."""
    return (Path(folder) / MANIFEST).is_file()


@dataclass(frozen=True)
class Entry:
    """One prepared utterance: its rows are [offset, offset + n_frames) of every array."""

    id: str
    speaker: str
    position: int  # its place in the manifest's utterance list
    offset: int  # first array row
    n_frames: int  # number of rows
    raw: Mapping[str, Any]  # the manifest entry as written (task-specific keys)

    @property
    def rows(self) -> slice:
        """The entry's rows of every prepared array."""
        return slice(self.offset, self.offset + self.n_frames)


def _fix(folder: Path, task: str | None) -> str:
    again = f"artimap prepare {task} ... --out {folder} --overwrite" if task else "prepare again"
    return f"The prepared dataset was damaged or edited after prepare; run `{again}`"


def read_json_file(path: Path, what: str, task: str | None = None) -> Any:
    """A JSON file of a prepared folder; a missing, truncated or damaged one is one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise file_error(path, f"{what} missing", _fix(path.parent, task)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise file_error(path, f"{what} unreadable ({e})", _fix(path.parent, task)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise file_error(path, f"{what} truncated or damaged (not JSON: {e.msg} at line "
                               f"{e.lineno} column {e.colno})", _fix(path.parent, task)) from None


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _npy_header(path: Path) -> tuple[tuple[int, ...], str]:
    """(shape, dtype) from a .npy header, without reading the data; ValueError when the file
    is shorter or longer than its header says (truncated, or written over)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) \
            else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(f)
        expected = f.tell() + int(np.prod(shape)) * dtype.itemsize
    size = path.stat().st_size
    if size != expected:
        raise ValueError(f"{size} bytes where its header needs {expected}")
    return tuple(int(s) for s in shape), str(dtype)


class Prepared:
    """A prepared dataset, read-only. Build with `Prepared.open(folder, task)`.

    Attributes: folder, task, manifest (dict as written), splits {split: [ids]}, entries
    (tuple of Entry, manifest order), fingerprint (16 hex digits). Arrays are memory-mapped on
    first use in each process (`array(name)`); pickling drops the maps, so DataLoader workers
    map the files themselves and share pages.
    """

    def __init__(self, folder: Path, task: str, manifest: dict[str, Any],
                 splits: dict[str, list[str]], fingerprint: str, phones: Any = None) -> None:
        self.folder, self.task, self.manifest = folder, task, manifest
        self.splits, self.fingerprint, self._phones = splits, fingerprint, phones
        self.entries = tuple(_entry(folder, task, i, u)
                             for i, u in enumerate(manifest["utterances"]))
        self._arrays: dict[str, np.ndarray] = {}

    @classmethod
    def open(cls, folder: str | Path, task: str) -> Prepared:
        """Read and check the folder prepared for `task` (module doc); ArtimapError if it is
        not one, was prepared for another task, or is damaged or inconsistent."""
        folder = Path(folder)
        if not (folder / MANIFEST).is_file():
            raise ArtimapError(f"{folder}: not a prepared dataset (no {MANIFEST}); run "
                               f"`artimap prepare {task} --corpus ... --out {folder}` first")
        manifest = read_json_file(folder / MANIFEST, "manifest", task)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("utterances"), list):
            raise file_error(folder / MANIFEST, "has no utterance list", _fix(folder, task))
        if manifest.get("task") != task:
            raise ArtimapError(f"{folder}: prepared for task {manifest.get('task')!r}, "
                               f"not {task!r}")
        splits = _read_splits(folder, task, [str(u.get("id")) for u in manifest["utterances"]])
        shapes = _check_arrays(folder, task, manifest)
        phones = read_json_file(folder / PHONES, "phone inventory", task) \
            if (folder / PHONES).is_file() else None
        digest = hashlib.sha256()
        for part in (manifest, splits, shapes, phones):
            digest.update(_canonical(part))
        prepared = cls(folder, task, manifest, splits, digest.hexdigest()[:16], phones)
        _check_rows(prepared)
        return prepared

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_arrays"] = {}  # each process maps the files itself
        return state

    @property
    def settings(self) -> dict[str, Any]:
        """The prepare settings recorded in the manifest."""
        return self.manifest.get("settings", {})

    @property
    def n_rows(self) -> int:
        """Rows of every array (frames over all utterances)."""
        return int(self.manifest["n_frames"])

    def array(self, name: str) -> np.ndarray:
        """The memory-mapped array `name` (read-only), checked against the manifest at open."""
        if name not in self._arrays:
            path = self.folder / f"{name}.npy"
            try:
                self._arrays[name] = np.load(path, mmap_mode="r", allow_pickle=False)
            except FileNotFoundError:
                raise file_error(path, "prepared array missing", _fix(self.folder, self.task)
                                 ) from None
            except (ValueError, OSError, EOFError) as e:
                raise file_error(path, f"prepared array truncated or damaged ({e})",
                                 _fix(self.folder, self.task)) from None
        return self._arrays[name]

    def entries_in(self, split: str) -> list[Entry]:
        """The entries of `split`, in manifest order."""
        if split not in SPLITS:
            raise ArtimapError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        wanted = set(self.splits[split])
        return [e for e in self.entries if e.id in wanted]

    def listed(self, split: str) -> list[Entry]:
        """The entries of `split` in the order split.json lists them."""
        by_id = {e.id: e for e in self.entries}
        return [by_id[i] for i in self.splits[split]]

    def row_ranges(self, split: str) -> list[tuple[int, int]]:
        """[lo, hi) row ranges of the utterances of `split`."""
        return [(e.offset, e.offset + e.n_frames) for e in self.entries_in(split)]

    def rows(self, split: str) -> np.ndarray:
        """Every row of `split`: (F,) int64."""
        ranges = self.row_ranges(split)
        return np.concatenate([np.arange(lo, hi) for lo, hi in ranges]).astype(np.int64) \
            if ranges else np.zeros(0, np.int64)

    @cached_property
    def stats(self) -> dict[str, Any]:
        """stats.json: statistics fitted on the training split at prepare."""
        return read_json_file(self.folder / STATS, "statistics", self.task)

    @property
    def phones(self) -> Any:
        """phones.json (phone2face): the phone inventory and its label normalisation, as read
        at open; None when the folder has none."""
        return self._phones


def check_same_data(prepared: Prepared, trained_on: str | None, run_dir: str | Path,
                    allow_other: bool = False) -> dict[str, Any]:
    """Refuse `prepared` for run `run_dir` unless it is the dataset the run was trained on
    (same fingerprint `trained_on`; None: a run older than fingerprints, not checked);
    `allow_other` lets it through with a warning. Returns the record an evaluation writes:
    {"path", "fingerprint", "trained_on", "other_data"}."""
    other = trained_on is not None and trained_on != prepared.fingerprint
    if other and not allow_other:
        raise ArtimapError(
            f"{prepared.folder}: dataset fingerprint {prepared.fingerprint} is not "
            f"{trained_on}, the one run {run_dir} was trained on (the folder was prepared "
            "again or edited since); point the run at the data it was trained on, train a new "
            "run on this one, or pass --allow-other-data to use it anyway")
    if other:
        warnings.warn(f"{prepared.folder}: not the dataset run {run_dir} was trained on "
                      f"(fingerprint {prepared.fingerprint}, trained on {trained_on}); "
                      "--allow-other-data: using it anyway", stacklevel=2)
    return {"path": str(prepared.folder), "fingerprint": prepared.fingerprint,
            "trained_on": trained_on, "other_data": other}


def check_finite(prepared: Prepared, allow_nan: dict[str, bool],
                 splits: Sequence[str] = ("train", "val"), chunk: int = 1024) -> None:
    """Refuse NaN / infinite values in prepared float arrays before training, naming the
    utterances: in a target or an input they only show later as a diverged loss.

    `allow_nan` maps array name -> whether NaN is allowed (targets whose NaN the loss leaves
    out: then only infinities are refused); arrays the dataset lacks are skipped."""
    entries = [e for name in splits for e in prepared.entries_in(name)]
    for name, nan_ok in allow_nan.items():
        if name not in prepared.manifest.get("arrays", {}):
            continue
        array = prepared.array(name)
        if array.dtype.kind != "f":
            continue
        bad = [(e.id, n) for e in entries if (n := _count_bad(array, e.rows, nan_ok, chunk))]
        if bad:
            shown = ", ".join(f"{uid}: {n}" for uid, n in bad[:5]) + (", ..." if len(bad) > 5
                                                                       else "")
            kind = "infinite" if nan_ok else "NaN or infinite"
            raise file_error(prepared.folder / f"{name}.npy", f"{kind} values in {len(bad)} "
                             f"utterance(s) ({shown}); training on them would diverge",
                             "Fix those utterances' source files and prepare again, or leave "
                             "them out of the split")


def _count_bad(array: np.ndarray, rows: slice, nan_ok: bool, chunk: int) -> int:
    """Non-finite values (only infinities when `nan_ok`) in array[rows]."""
    count = 0
    for lo in range(rows.start, rows.stop, chunk):
        part = np.asarray(array[lo:min(lo + chunk, rows.stop)])
        count += int(np.isinf(part).sum() if nan_ok else (~np.isfinite(part)).sum())
    return count


def _entry(folder: Path, task: str, i: int, u: Any) -> Entry:
    try:
        return Entry(str(u["id"]), str(u.get("speaker", "")), i, int(u["offset"]),
                     int(u["n_frames"]), u)
    except (KeyError, TypeError, ValueError) as e:
        raise file_error(folder / MANIFEST, f"utterance {i + 1} lacks a valid {e}",
                         _fix(folder, task)) from None


def _read_splits(folder: Path, task: str, ids: Sequence[str]) -> dict[str, list[str]]:
    splits = read_json_file(folder / SPLIT, "split", task)
    if not isinstance(splits, dict) or not all(isinstance(splits.get(s, []), list)
                                               for s in SPLITS):
        raise file_error(folder / SPLIT, "is not {split: [utterance ids]}", _fix(folder, task))
    known, seen = set(ids), set()
    for name in SPLITS:
        listed = [str(i) for i in splits.get(name, [])]
        unknown = sorted(set(listed) - known)
        if unknown:
            raise file_error(folder / SPLIT, f"the {name} split names utterances the manifest "
                             f"lacks ({unknown[:3]})", _fix(folder, task))
        if seen & set(listed):
            raise file_error(folder / SPLIT, f"utterances in two splits "
                             f"({sorted(seen & set(listed))[:3]})", _fix(folder, task))
        seen |= set(listed)
    return {name: [str(i) for i in splits.get(name, [])] for name in SPLITS}


def _check_arrays(folder: Path, task: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """Every declared array's header matches the manifest; returns {name: [shape, dtype]}."""
    out: dict[str, Any] = {}
    declared = {**manifest.get("streams", {}), **manifest.get("arrays", {})}
    for name, decl in sorted(declared.items()):
        path = folder / str(decl.get("file", f"{name}.npy"))
        try:
            shape, dtype = _npy_header(path)
        except FileNotFoundError:
            raise file_error(path, "prepared array missing", _fix(folder, task)) from None
        except (ValueError, OSError, EOFError) as e:
            raise file_error(path, f"prepared array truncated or damaged ({e})",
                             _fix(folder, task)) from None
        if list(shape) != list(decl.get("shape", shape)) or dtype != decl.get("dtype", dtype):
            raise file_error(path, f"holds {list(shape)} {dtype} but the manifest declares "
                             f"{decl.get('shape')} {decl.get('dtype')}", _fix(folder, task))
        out[name] = [list(shape), dtype]
    return out


def _check_rows(p: Prepared) -> None:
    """Utterance rows follow each other without overlap inside the arrays (an edited n_frames
    would otherwise read another utterance's rows); lip2tongue's --val-block leaves gaps."""
    where = p.folder / MANIFEST
    row = 0
    for e in p.entries:
        if e.offset < row or e.n_frames < 0:
            raise file_error(where, f"utterance {e.id} starts at row {e.offset} with "
                             f"{e.n_frames} frames, but the utterances before it end at row "
                             f"{row}", _fix(p.folder, p.task))
        row = e.offset + e.n_frames
        _check_stream_rows(p, e)
    if row > p.n_rows:
        raise file_error(where, f"its utterances reach row {row} but n_frames says "
                         f"{p.n_rows}", _fix(p.folder, p.task))
    for name, decl in p.manifest.get("arrays", {}).items():
        if decl.get("shape") and int(decl["shape"][0]) != p.n_rows:
            raise file_error(where, f"n_frames says {p.n_rows} but {name} has "
                             f"{decl['shape'][0]} rows", _fix(p.folder, p.task))


def _check_stream_rows(p: Prepared, e: Entry) -> None:
    """An utterance's rows of every declared stream lie inside that stream."""
    for name, span in e.raw.get("streams", {}).items():
        decl = p.manifest.get("streams", {}).get(name)
        ok = decl is not None and isinstance(span, list) and len(span) == 2 \
            and int(span[0]) >= 0 and int(span[0]) + int(span[1]) <= int(decl["shape"][0])
        if not ok:
            raise file_error(p.folder / MANIFEST, f"utterance {e.id}: its {name} rows {span} "
                             "are not inside that stream", _fix(p.folder, p.task))
