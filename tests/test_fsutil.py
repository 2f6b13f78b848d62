"""Atomic writes leave either the complete result or nothing."""

from __future__ import annotations

import pytest

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_dir, atomic_path, atomic_write_json


def test_atomic_dir_success_and_failure(tmp_path):
    out = tmp_path / "corpus"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("done")
        assert not out.exists()
    assert (out / "a.txt").read_text() == "done"

    failed = tmp_path / "failed"
    with pytest.raises(RuntimeError), atomic_dir(failed) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("boom")
    assert not failed.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_atomic_dir_refuses_existing_unless_overwrite(tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (out / "old").write_text("old")
    with pytest.raises(ArtimapError, match="already exists"), atomic_dir(out):
        pass
    with atomic_dir(out, overwrite=True) as tmp:
        (tmp / "new").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new"]


def test_atomic_path_keeps_suffix_and_cleans_up(tmp_path):
    target = tmp_path / "v.mp4"
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".mp4" and tmp.parent == tmp_path
        tmp.write_bytes(b"x")
    assert target.read_bytes() == b"x"
    with pytest.raises(ValueError), atomic_path(tmp_path / "w.c3d") as tmp:
        tmp.write_bytes(b"partial")
        raise ValueError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_unwritable_parent_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ArtimapError, match="cannot create the output folder"):
        atomic_write_json(blocker / "sub" / "x.json", {})


def test_results_get_ordinary_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / "f").write_text("x")
        with atomic_path(tmp_path / "g.txt") as tmp:
            tmp.write_text("y")
    finally:
        os.umask(mask)
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "g.txt").stat().st_mode & 0o777 == 0o644
