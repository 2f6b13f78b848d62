"""Every registered task package provides what `artimap.tasks.protocol.TaskModule` names, with
at least the positional arguments it names (any more have defaults)."""

from __future__ import annotations

import inspect

import pytest

from artimap.tasks.protocol import TaskModule
from artimap.tasks.registry import TASKS, get_task_module

MEMBERS = sorted(set(TaskModule.__annotations__) | {
    n for n, v in vars(TaskModule).items() if inspect.isfunction(v) and not n.startswith("_")})


@pytest.mark.parametrize("task", sorted(TASKS))
def test_task_package_satisfies_the_protocol(task):
    module = get_task_module(task)
    missing = [name for name in MEMBERS if not hasattr(module, name)]
    assert not missing, f"{task} lacks {missing}"
    for name, spec in vars(TaskModule).items():
        if inspect.isfunction(spec) and not name.startswith("_"):
            want = _positional(spec)[1:]  # without self
            got = _positional(getattr(module, name))
            assert len(got) >= len(want), f"{task}.{name} takes {got}, the protocol {want}"
            extra = list(inspect.signature(getattr(module, name)).parameters.values())[len(want):]
            assert all(p.default is not p.empty or p.kind == p.VAR_KEYWORD for p in extra), name


def _positional(fn) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in inspect.signature(fn).parameters.values() if p.kind in kinds]
