"""Typed configs: dataclasses <-> plain YAML, with dotted `key=value` overrides.

Every config is a (possibly nested) dataclass whose fields carry a one-line comment. YAML files
hold plain values only. Unknown keys and values of the wrong type are errors that name the full
dotted key, e.g. `model.hidden: expected int, got 'big'`.

    cfg = load_config(TrainConfig, "configs/x.yaml", ["optim.lr=3e-4", "epochs=2"])
    save_config(cfg, run_dir / "config.yaml")
"""

from __future__ import annotations

import copy
import dataclasses
import math
import types
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_write_text

T = TypeVar("T")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check `value` against type `tp`, converting where lossless (int -> float, list -> tuple)."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ArtimapError as e:
                errors.append(str(e))
        if len(errors) == 1:  # `X | None`: X's own message (e.g. a NaN float) says more
            raise ArtimapError(errors[0])
        raise ArtimapError(f"{key}: expected {_type_name(tp)}, got {value!r}")
    if origin is Literal:
        allowed = get_args(tp)
        if isinstance(value, bool):  # YAML 1.1 reads on/off/yes/no/true/false as booleans
            words = ("on", "yes", "true") if value else ("off", "no", "false")
            value = next((w for w in words if w in allowed), value)
        if value not in allowed:
            raise ArtimapError(f"{key}: expected one of {list(allowed)}, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ArtimapError(f"{key}: expected a mapping for {tp.__name__}, got {value!r}")
        return from_dict(tp, value, prefix=key + ".")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ArtimapError(f"{key}: expected a list, got {value!r}")
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise ArtimapError(f"{key}: expected {len(args)} values, got {len(value)}")
            return tuple(_coerce(v, a, f"{key}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ArtimapError(f"{key}: expected a mapping, got {value!r}")
        _, vt = get_args(tp) or (Any, Any)
        return {k: _coerce(v, vt, f"{key}.{k}") for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, float) and not math.isfinite(value):
        raise ArtimapError(f"{key}: must be a finite number, got {value!r}")
    if tp is bool and not isinstance(value, bool):
        raise ArtimapError(f"{key}: expected true/false, got {value!r}")
    if tp in (int, float, str) and (not isinstance(value, tp) or isinstance(value, bool)):
        raise ArtimapError(f"{key}: expected {tp.__name__}, got {value!r}")
    return value


_RULES = {">= 0": lambda v: v >= 0, ">= 1": lambda v: v >= 1, "> 0": lambda v: v > 0,
          "in [0, 1)": lambda v: 0 <= v < 1, "in [0, 1]": lambda v: 0 <= v <= 1}


def check_ranges(cfg: Any, section: str, rules: dict[str, str]) -> None:
    """Raise ArtimapError naming `section.field` (`field` for section "") when a number breaks
    its rule (a key of _RULES: ">= 0", ">= 1", "> 0", "in [0, 1)", "in [0, 1]") or is not
    finite; called from configs' `__post_init__`. Numbers in a sequence (e.g. layer widths)
    are checked one by one."""
    for name, rule in rules.items():
        value = getattr(cfg, name)
        dotted = f"{section}.{name}" if section else name
        for i, item in enumerate(value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                continue  # wrong types are reported by from_dict with the key
            if not (math.isfinite(item) and _RULES[rule](item)):
                key = dotted + (f"[{i}]" if isinstance(value, (list, tuple)) else "")
                raise ArtimapError(f"{key}: must be {rule}, got {item!r}; fix it in the config "
                                   f"file or with --set {dotted}=...")


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, include_extras=False)


def from_dict(cls: type[T], data: dict[str, Any], prefix: str = "") -> T:
    """Build dataclass `cls` from a plain dict; unknown keys and wrong types raise ArtimapError."""
    if not isinstance(data, dict):
        raise ArtimapError(f"{prefix or 'config'}: expected a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        names = ", ".join(prefix + k for k in unknown)
        raise ArtimapError(f"unknown config key(s): {names}; valid keys: {sorted(fields)}")
    hints = _hints(cls)
    kwargs = {name: _coerce(v, hints[name], prefix + name) for name, v in data.items()}
    return cls(**kwargs)


def to_dict(cfg: Any) -> dict[str, Any]:
    """Plain nested dict of a dataclass config (tuples become lists, for YAML)."""

    def plain(v: Any) -> Any:
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return plain(cfg)


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split 'a.b.c=value' into (['a','b','c'], value parsed as YAML)."""
    if "=" not in item:
        raise ArtimapError(f"override {item!r}: expected key=value, e.g. train.lr=3e-4")
    key, raw = item.split("=", 1)
    if not key.strip():
        raise ArtimapError(f"override {item!r}: empty key")
    return key.strip().split("."), yaml.safe_load(raw) if raw.strip() else ""


def apply_overrides(data: dict[str, Any], overrides: list[str] | tuple[str, ...]) -> dict:
    """Return a copy of the plain dict `data` with dotted overrides applied."""
    out = copy.deepcopy(data)
    for item in overrides:
        path, value = parse_override(item)
        node = out
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[path[-1]] = value
    return out


def _fix_yaml_floats(value: Any, tp: Any) -> Any:
    """PyYAML reads '1e-4' as a string (YAML 1.1); accept it where a float is expected."""
    if isinstance(value, str) and tp in (float, float | None):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _normalise(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    out = {}
    for k, v in data.items():
        tp = hints.get(k)
        if k in fields and dataclasses.is_dataclass(tp) and isinstance(v, dict):
            out[k] = _normalise(tp, v)
        else:
            out[k] = _fix_yaml_floats(v, tp)
    return out


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, with errors that name the file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ArtimapError(f"{path}: config file not found") from e
    except yaml.YAMLError as e:
        raise ArtimapError(f"{path}: not valid YAML ({e})") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ArtimapError(f"{path}: expected a mapping of keys to values at the top level")
    return data


class OverrideError(ArtimapError):
    """A `--set key=value` the config cannot take: the message names the flag, not the file."""


def build_config(
    cls: type[T], data: dict[str, Any] | None = None, overrides: list[str] | tuple[str, ...] = (),
    prefix: str = "",
) -> T:
    """Defaults of `cls`, updated by `data` (a partial dict), then by dotted overrides; errors
    name keys as `prefix + key` (e.g. prefix "model_config."); an error an override brings in
    is an OverrideError naming `--set key=value`."""
    merged = _merge(to_dict(cls()), data or {})
    try:
        return from_dict(cls, _normalise(cls, apply_overrides(merged, overrides)), prefix=prefix)
    except ArtimapError as e:
        culprit = _first_bad_override(cls, merged, list(overrides), prefix)
        if culprit is None:
            raise
        raise OverrideError(f"--set {culprit}: {e}") from None


def _first_bad_override(cls: type, merged: dict[str, Any], overrides: list[str],
                        prefix: str = "") -> str | None:
    """The first override whose addition makes the config invalid; None when the config is
    invalid without any (the file's own error)."""
    for n in range(len(overrides) + 1):
        try:
            from_dict(cls, _normalise(cls, apply_overrides(merged, overrides[:n])), prefix=prefix)
        except ArtimapError:
            return overrides[n - 1] if n else None
    return None


def load_config(
    cls: type[T], path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()
) -> T:
    """Load `cls` from a YAML file holding only the keys that differ from the defaults."""
    data = read_yaml(path) if path is not None else {}
    try:
        return build_config(cls, data, overrides)
    except OverrideError:
        raise
    except ArtimapError as e:
        where = f"{path}: " if path is not None else ""
        raise ArtimapError(f"{where}{e}") from None


def save_config(cfg: Any, path: str | Path) -> None:
    """Write the full resolved config as YAML (atomically)."""
    atomic_write_text(path, yaml.safe_dump(to_dict(cfg), sort_keys=False))
