"""The package's shape, read from its imports: no circles, no arrow back up the flow, no CLI below.

A newcomer reads the folders as the flow a message takes; these tests keep the code honest to
that picture. Imports are read with `ast` (nothing is imported), including ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "triage"

# Lower layers first. A module may import from its own layer or any layer before it, never after.
# Shared ground (settings, shapes, official lists, identifiers, logging, metrics) and the store come
# first; then the stages in the order a message meets them; then what drives them.
LAYERS: list[set[str]] = [
    {"config", "schema", "reference", "identity", "logs", "metrics"},
    {"store"},
    {"intake"},
    {"media"},
    {"rules"},
    {"signals"},
    {"judge"},
    {"model"},
    {"sp4n"},
    {"evals"},
    {"worker"},
    {"review"},
    {"app", "demo", "cli"},
]


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PKG.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The triage modules a file imports (`from triage.x import y` counts triage.x.y if a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if not name.startswith("triage"):
                continue
            while name not in known and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in known and name != "triage":
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: imports_of(p, known) - {m} for m, p in mods.items()}


def layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, layer in enumerate(LAYERS):
        if top in layer:
            return i
    raise AssertionError(f"{module} belongs to no layer: add its folder to LAYERS")


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == 1:
                return [*stack[stack.index(n) :], n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle() -> None:
    assert find_cycle(graph()) is None


def test_every_module_sits_in_a_layer() -> None:
    for m in graph():
        if m != "triage":
            layer_of(m)


def test_no_arrow_runs_back_up_the_flow() -> None:
    backwards = [
        f"{m} -> {n}"
        for m, deps in graph().items()
        if m != "triage"
        for n in deps
        if n != "triage" and layer_of(n) > layer_of(m)
    ]
    assert backwards == []


def test_library_modules_import_no_cli() -> None:
    def is_cli(m: str) -> bool:
        return m.split(".")[-1] == "cli"

    offenders = [f"{m} -> {n}" for m, deps in graph().items() for n in deps if is_cli(n) and not is_cli(m)]
    assert offenders == []


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_is_a_tome(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 520


def test_no_module_finds_its_data_outside_the_package() -> None:
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if "__file__).resolve().parent.parent" in p.read_text()
    ]
    assert offenders == []
