"""The house rules that keep the package navigable: no import circle among artimap's modules
(counting imports inside functions too), every module imports on its own, no module over 350
lines, and the ultrasound centre-scanline convention is defined in one place."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import artimap

ROOT = Path(artimap.__file__).parent
MAX_LINES = 350


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(name: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The artimap modules `name` imports anywhere in its body (functions included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, path, node)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    return {t for t in out if t in mods and t != name and not name.startswith(t + ".")}


def import_graph() -> dict[str, set[str]]:
    """module -> the artimap modules it imports (a package's own parents are left out: Python
    imports them implicitly, and they never import their children back, see below)."""
    mods = _modules()
    return {name: _targets(name, path, mods) for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_find_cycle_finds_a_known_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(n for n in _modules() if not n.endswith("__main__"))  # __main__ runs the CLI
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    res = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]


def test_no_module_over_the_line_limit():
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in _modules().items()}
    assert not {n: k for n, k in long.items() if k > MAX_LINES}


# Arrows point down the road (commands -> tasks -> data/models/metrics/ultrasound -> io): a
# package never imports one that stands above it.
FORBIDDEN = {
    "artimap.io": {"artimap.synth", "artimap.data", "artimap.models", "artimap.tasks",
                   "artimap.commands", "artimap.ultrasound", "artimap.metrics"},
    "artimap.synth": {"artimap.data", "artimap.models", "artimap.tasks", "artimap.commands"},
    "artimap.data": {"artimap.models", "artimap.tasks", "artimap.commands", "artimap.bench"},
    "artimap.models": {"artimap.data", "artimap.tasks", "artimap.commands", "artimap.bench"},
    "artimap.metrics": {"artimap.data", "artimap.models", "artimap.tasks", "artimap.commands"},
    "artimap.ultrasound": {"artimap.data", "artimap.models", "artimap.tasks", "artimap.commands"},
    "artimap.tasks": {"artimap.commands", "artimap.bench"},
}


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_packages_import_only_downwards():
    wrong = sorted(f"{a} -> {b}" for a, targets in import_graph().items() for b in targets
                   if _package(b) in FORBIDDEN.get(_package(a), set()))
    assert not wrong, "upward imports: " + "; ".join(wrong)


# The prepared dataset has one owner: only these modules name its files (as strings or through
# the constants of artimap.data.prepared); every other module reads it through `Prepared`.
PREPARED_FILES = ("manifest.json", "split.json", "stats.json", "phones.json")
PREPARED_CONSTANTS = ("MANIFEST", "SPLIT", "STATS", "PHONES")
PREPARED_OWNERS = {"artimap.data.prepared", "artimap.data.common"}


def _names_prepared_files(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                  and isinstance(n.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings \
                and any(name in node.value for name in PREPARED_FILES):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "artimap.data.prepared" \
                and any(a.name in PREPARED_CONSTANTS for a in node.names):
            return True
    return False


def test_at_most_three_modules_open_the_prepared_folder():
    naming = {n for n, p in _modules().items() if _names_prepared_files(p)}
    assert naming <= PREPARED_OWNERS | {"artimap.data.phone2face.dataset"}, sorted(naming)
    assert len(naming) <= 3


def test_the_cli_help_imports_no_torch_scipy_or_cv2():
    """`artimap --help` and every `artimap COMMAND --help`, in a fresh interpreter."""
    code = (
        "import sys\n"
        "from artimap.cli import COMMANDS, build_parser\n"
        "parser = build_parser()\n"
        "for argv in [['--help']] + [[c, '--help'] for c in COMMANDS]:\n"
        "    try:\n"
        "        parser.parse_args(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('torch', 'scipy', 'cv2') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def _function_imports(path: Path) -> list[int]:
    """Line numbers of the imports inside functions of the module at `path`."""
    out: list[int] = []

    def visit(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_func and isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append(child.lineno)
            visit(child, in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return out


def _has_reason(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it belongs to (blank
    lines between its sections included)."""
    if "#" in lines[lineno - 1]:
        return True
    for text in reversed(lines[: lineno - 1]):
        s = text.strip()
        if s.startswith("#"):
            return True
        if s and not (s.startswith(("import ", "from ", ")")) or s.endswith(",")):
            return False
    return False


def test_imports_inside_functions_say_why():
    """Imports go at the top; one inside a function (a heavy optional dependency, the CLI's
    start-up, a lazy package attribute) carries a comment saying why."""
    bare = []
    for name, path in _modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        bare += [f"{name}:{n}" for n in _function_imports(path) if not _has_reason(lines, n)]
    assert not bare, "imports inside functions without a reason comment: " + ", ".join(bare)
