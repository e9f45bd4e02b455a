"""The ingest writer knows no domain above equipment: the domains plug in (projections,
the order lookup) when the application is assembled."""

from __future__ import annotations

import ast
from pathlib import Path

import linewise

WRITER = ("store.py", "recorder.py", "projections.py")
ALLOWED = ("linewise.core", "linewise.ingest", "linewise.domains.equipment")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_ingest_writer_imports_no_domain_but_equipment() -> None:
    ingest = Path(linewise.__file__).parent / "ingest"
    for name in WRITER:
        upward = {
            m for m in _imports(ingest / name)
            if m.startswith("linewise.") and not m.startswith(ALLOWED)
        }  # fmt: skip
        assert not upward, f"ingest/{name} imports {sorted(upward)}"
