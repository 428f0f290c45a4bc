"""The package's shape: the room map in docs/design.md against the real imports and sizes.

Every import is counted, read with ``ast`` from the source: at module level, inside
functions (lazy), under ``TYPE_CHECKING``, and ``importlib.import_module`` of a literal
name. ``from lesson_pkg.x import y`` depends on ``lesson_pkg.x.y`` when that is a module,
on ``lesson_pkg.x`` otherwise.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lesson_pkg"
DESIGN = ROOT / "docs" / "design.md"
MAX_MODULE_LINES = 600
MAX_FUNCTION_CODE_LINES = 60


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, node: ast.AST) -> list[str]:
    """The modules of ``lesson_pkg`` one import statement (or call) names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        return [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
            for alias in node.names
        ]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def _imports(module: str) -> set[str]:
    """Every module of ``lesson_pkg`` that ``module`` imports, wherever the import is."""
    tree = ast.parse(MODULES[module].read_text())
    named = {name for node in ast.walk(tree) for name in _imported(module, node)}
    return {name for name in named if name in MODULES and name != module}


GRAPH = {module: _imports(module) for module in MODULES}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module an import chain from ``start`` reaches (``start`` itself only via a circle)."""
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: groups of modules each reachable from every other, sorted."""
    reach = {node: _reachable(graph, node) for node in graph}
    circles = {
        tuple(sorted(other for other in reach[node] if node in reach[other]))
        for node in graph
        if node in reach[node]
    }
    return sorted(list(circle) for circle in circles)


def _room_map() -> dict[str, tuple[list[str], str]]:
    """docs/design.md's "Where things live": {room: ([paths in lesson_pkg/], may import)}."""
    section = DESIGN.read_text().split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rooms = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[1].startswith("where") or set(cells[0]) <= {"-"}:
            continue
        rooms[cells[0]] = (re.findall(r"`([^`]+)`", cells[1]), cells[3])
    return rooms


ROOMS = _room_map()
PACKAGE_ROOM = "package"


def _room_of(module: str) -> str | None:
    """The room whose place is the longest prefix of the module's path."""
    relative = MODULES[module].relative_to(PACKAGE).as_posix()
    best, length = None, -1
    for room, (places, _) in ROOMS.items():
        for place in places:
            matches = relative == place or (place.endswith("/") and relative.startswith(place))
            if matches and len(place) > length:
                best, length = room, len(place)
    return best


def _allowed(room: str) -> set[str] | None:
    """The rooms ``room`` may import (``None``: every room)."""
    text = ROOMS[room][1]
    if text == "every room":
        return None
    if text == "nothing":
        return set()
    return {name.strip() for name in text.split(",")}


def test_the_map_reads_as_rooms_that_exist_and_may_import_only_rooms_it_names():
    assert len(ROOMS) >= 16, ROOMS
    for room in ROOMS:
        allowed = _allowed(room)
        assert allowed is None or allowed <= set(ROOMS), (room, allowed - set(ROOMS))
    missing = [
        place for places, _ in ROOMS.values() for place in places if not (PACKAGE / place).exists()
    ]
    assert not missing, f"the map names places that do not exist in lesson_pkg/: {missing}"


def test_every_module_lives_in_one_room_of_the_map():
    homeless = [module for module in MODULES if _room_of(module) is None]
    assert not homeless, f"modules no room of docs/design.md claims: {homeless}"


def test_each_room_imports_only_the_rooms_the_map_allows():
    wrong = []
    for module, targets in sorted(GRAPH.items()):
        room = _room_of(module)
        if room is None:
            continue
        allowed = _allowed(room)
        for target in sorted(targets):
            other = _room_of(target)
            if other in (room, PACKAGE_ROOM) or allowed is None or other in allowed:
                continue
            wrong.append(f"{module} ({room}) imports {target} ({other})")
    assert not wrong, "imports the map does not allow:\n" + "\n".join(wrong)


def test_the_package_itself_imports_no_room():
    assert GRAPH["lesson_pkg"] == set()


def test_there_is_no_import_circle():
    assert _circles(GRAPH) == []


def test_the_circle_finder_finds_a_circle_through_a_lazy_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _circles({"a": {"a"}}) == [["a"]]
    lazy = ast.parse("def f():\n    from lesson_pkg.plots import curves\n")
    assert _imported("lesson_pkg.history", lazy.body[0].body[0]) == ["lesson_pkg.plots.curves"]
    guarded = ast.parse("if TYPE_CHECKING:\n    from lesson_pkg.history import History\n")
    assert [name for node in ast.walk(guarded) for name in _imported("lesson_pkg.x", node)] == [
        "lesson_pkg.history"
    ]


def test_no_module_is_over_600_lines():
    long = {
        module: lines
        for module, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def _code_lines(function: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    """Lines of code in a function: its lines less the blank, comment and docstring ones."""
    docstring: set[int] = set()
    first = function.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        docstring = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    start = min([function.lineno, *(decorator.lineno for decorator in function.decorator_list)])
    return sum(
        1
        for number in range(start, (function.end_lineno or function.lineno) + 1)
        if number not in docstring
        and (text := lines[number - 1].strip())
        and not text.startswith("#")
    )


def test_the_code_line_count_leaves_out_blank_comment_and_docstring_lines():
    source = 'def f(x):\n    """Doc.\n\n    More.\n    """\n\n    # a comment\n    return x\n'
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert _code_lines(function, source.splitlines()) == 2


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_function_is_over_60_lines_of_code(module):
    source = MODULES[module].read_text()
    lines = source.splitlines()
    long = {
        node.name: count
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (count := _code_lines(node, lines)) > MAX_FUNCTION_CODE_LINES
    }
    assert not long, long
