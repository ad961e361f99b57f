"""The layout the README describes: lib/ packages import one way (pages and CLI -> domains -> core),
with no circle between packages; only lib.stbind imports streamlit; pages/ holds only pages."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO

LIB = REPO / "lib"
ENTRY = {"cli", "stbind", "__main__"}  # what the pages and the command line stand on


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "lib"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module in ("lib", "pages"):
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in LIB.rglob("*.py"):
        source = package_of(".".join(path.relative_to(REPO).with_suffix("").parts))
        for module in imported_modules(path):
            if module.startswith("lib.") and package_of(module) != source:
                graph[source].add(package_of(module))
    return graph


def test_no_circle_between_lib_packages():
    graph = package_graph()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != "open", f"import circle: {' -> '.join([*trail, node, nxt])}"
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for package in sorted(graph):
        if package not in state:
            visit(package, [])
    assert graph, "the walk found no imports at all"


def test_core_imports_only_core_and_nothing_imports_the_entry_layer():
    graph = package_graph()
    assert graph["core"] <= {"core"}, f"lib/core imports {graph['core']}"
    assert graph["supabase"] <= {"core", "explain", "plan", "actions"}, f"lib/supabase imports {graph['supabase']}"
    for package, targets in graph.items():
        if package not in ENTRY:
            assert not targets & ENTRY, f"lib/{package} imports the entry layer {targets & ENTRY}"


def test_lib_never_imports_pages_and_only_stbind_imports_streamlit():
    for path in LIB.rglob("*.py"):
        modules = imported_modules(path)
        assert not {m for m in modules if m == "pages" or m.startswith("pages.")}, path
        if path.name != "stbind.py":
            assert not {m for m in modules if m.split(".")[0] == "streamlit"}, f"{path} imports streamlit"


def test_every_lib_folder_is_a_package_and_lib_has_no_loose_domain_modules():
    loose = {p.name for p in LIB.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "stbind.py"}, loose
    for folder in LIB.iterdir():
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
            assert (folder / "__init__.py").exists(), folder


def test_pages_folder_holds_only_navigated_pages():
    navigated = set(re.findall(r'st\.Page\("pages/(\w+\.py)"', (REPO / "app.py").read_text()))
    present = {p.name for p in (REPO / "pages").glob("*.py")}
    assert navigated and present == navigated, present ^ navigated
    folders = {p.name for p in (REPO / "pages").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {"widgets"}, folders


def test_readme_layout_table_names_every_lib_package():
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("## Where things are"):]
    for folder in sorted(LIB.iterdir()):
        if folder.is_dir() and (folder / "__init__.py").exists():
            assert f"`lib/{folder.name}/`" in table, f"README's layout table lacks lib/{folder.name}/"
    assert "`pages/widgets/`" in table
