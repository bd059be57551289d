"""The house keeps its shape: core/ in rooms whose imports run one way, and no cycles.

Read from the source with `ast`, so a module imported lazily inside a function counts too.
docs/architecture.md draws the same order.
"""

import ast
from collections import defaultdict
from pathlib import Path

from core.paths import REPO_ROOT

CORE = REPO_ROOT / "core"
# Each room and the rooms below it that it may import; "basics" are core's top-level modules.
ALLOWED = {
    "basics": {"basics"},
    "metrics": {"basics", "metrics"},
    "data": {"basics", "metrics", "data"},
    "learn": {"basics", "learn"},
    "models": {"basics", "metrics", "data", "learn", "models"},
    "runs": {"basics", "metrics", "data", "runs"},
    "tasks": {"basics", "metrics", "data", "learn", "models", "runs", "tasks"},
    "contest": {"basics", "metrics", "data", "learn", "models", "runs", "tasks", "contest"},
    "runtime": {"basics", "metrics", "data", "learn", "models", "runs", "tasks", "contest"}
    | {"runtime"},
}
MOST_TOP_LEVEL_MODULES = 12


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The core modules `path` imports, anywhere in it (`from core.x import y` may name a
    module y or a name in x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
    return {name for name in found if name in known}


def room_of(module: str) -> str:
    """`core.data.corpora` and `core.data` are in the room data; `core.paths` is a basic."""
    room = module.split(".")[1]
    return room if (CORE / room).is_dir() else "basics"


MODULES = {module_name(path): path for path in CORE.rglob("*.py")}
GRAPH = {
    name: imported_modules(path, set(MODULES)) - {name, "core"} for name, path in MODULES.items()
}


def test_core_has_few_top_level_modules():
    top_level = sorted(path.name for path in CORE.glob("*.py"))
    assert len(top_level) <= MOST_TOP_LEVEL_MODULES, top_level


def test_every_room_imports_only_the_rooms_below_it():
    wrong = [
        f"{module} ({room_of(module)}) imports {target} ({room_of(target)})"
        for module, targets in GRAPH.items()
        if module != "core.__main__"
        for target in targets
        if room_of(target) not in ALLOWED[room_of(module)]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    """Depth-first search over the module graph; a back edge is a cycle."""
    state: dict[str, str] = defaultdict(lambda: "new")
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state[target] == "open":
                cycles.append(" -> ".join(trail[trail.index(target) :] + [target]))
            elif state[target] == "new":
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if state[module] == "new":
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_core_never_imports_streamlit_and_pages_never_import_ml_libraries():
    def imports(path: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
        return names

    assert not [path for path in CORE.rglob("*.py") if "streamlit" in imports(path)]
    pages = (REPO_ROOT / "pages").glob("*.py")
    forbidden = {"tensorflow", "keras", "sklearn"}
    assert not [path for path in pages if imports(path) & forbidden]


def test_the_checker_sees_a_wrong_way_import(tmp_path):
    """A data module that imported a task would be caught (the rule is not vacuous)."""
    module = tmp_path / "probe.py"
    module.write_text("from core.tasks.training import train_on_path\n")
    targets = imported_modules(module, set(MODULES))
    assert targets == {"core.tasks.training"}
    assert room_of("core.tasks.training") not in ALLOWED[room_of("core.data.corpora")]
