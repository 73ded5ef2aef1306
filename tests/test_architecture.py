"""The package's shape: no import cycles, one job per module stated in its first docstring line, light imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fevermap"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """fevermap modules imported when ``path`` is imported (not inside functions or ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fevermap"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("fevermap"))
    return found


def test_no_import_cycles() -> None:
    names = {_name(p): p for p in MODULES}
    graph = nx.DiGraph()
    for name, path in names.items():
        graph.add_node(name)
        for target in _top_level_imports(path):
            if target in names and target != name:
                graph.add_edge(name, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_every_module_states_its_one_job(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if path.name == "__init__.py" and not doc:
        pytest.skip("an empty package marker")
    assert doc, f"{_name(path)} has no module docstring"
    first = doc.splitlines()[0]
    assert len(first) > 20 and first.endswith((".", ":")), f"{_name(path)}: first docstring line {first!r}"


def _imported_by(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return set(out.stdout.split())


def test_routing_imports_no_web_database_or_dataframes() -> None:
    routing = [_name(p) for p in MODULES if _name(p).startswith("fevermap.routing")]
    loaded = _imported_by("\n".join(f"import {m}" for m in routing))
    assert not {"fastapi", "sqlalchemy", "pandas"} & loaded


def test_cli_start_up_imports_only_what_routing_needs() -> None:
    loaded = _imported_by("import fevermap.api.cli")
    heavy = {"fastapi", "sqlalchemy", "pandas", "scipy", "osmium", "fevermap.clinics", "fevermap.tracing"}
    assert not heavy & loaded


def test_domain_packages_never_import_fastapi() -> None:
    domain = [_name(p) for p in MODULES if not _name(p).startswith("fevermap.api")]
    assert "fastapi" not in _imported_by("\n".join(f"import {m}" for m in domain))
