"""The layering of docs/architecture.md, checked by walking every module's syntax tree.

Rules that are only written down drift; these fail the build instead. Each rule names
the modules that break it, so the message says what to move where.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "src" / "linewise"

# Engines are pure: dataclasses in, dataclasses out; usable from the CLI and notebooks.
ENGINES = ("kpi", "scheduling", "simulation", "spc", "analytics", "allocation")
# What an engine may import from linewise besides the engines: time helpers only.
ENGINE_MAY_IMPORT = ("linewise.core.time",)
FRAMEWORKS = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "uvicorn")
# The edge agent runs on a gateway next to the machines, without the server's stack.
EDGE_MAY_IMPORT = (*(f"linewise.{e}" for e in ENGINES), "linewise.core.time", "linewise.edge")
# core knows no domain and nothing above it.
CORE_MAY_NOT_IMPORT = (
    "linewise.domains",
    "linewise.api",
    "linewise.server",
    "linewise.ingest",
    "linewise.exchange",
    "linewise.demo",
    "linewise.cli",
    "linewise.assistant",
    "linewise.ops",
)
# Calls that read or write the database, as they appear in handlers.
SESSION_NAMES = ("db", "session")
# flush() is allowed: a handler may need the id or version a change gets before answering.
SESSION_METHODS = frozenset(
    {
        "execute",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "add",
        "add_all",
        "delete",
        "commit",
        "merge",
    }
)
STATEMENT_BUILDERS = frozenset({"select", "insert", "update", "delete"})


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rsplit(".", 1)[0]

    def imports(self) -> Iterator[tuple[int, str, list[str]]]:
        """(line, module imported, names imported from it) for every absolute import."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name, []
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield node.lineno, node.module, [a.name for a in node.names]


def _modules() -> list[Module]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent)
        if "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append(Module(".".join(parts), path, ast.parse(path.read_text(), str(path))))
    return out


MODULES = _modules()


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _where(module: Module, line: int) -> str:
    return f"{module.path.relative_to(ROOT.parent)}:{line}"


def test_the_walk_sees_the_package() -> None:
    names = {m.name for m in MODULES}
    assert {"linewise.kpi.formulas", "linewise.scheduling.dispatch", "linewise.core.db"} <= names


@pytest.mark.parametrize("engine", [e for e in ENGINES if (ROOT / e).is_dir()])
def test_pure_engines_import_no_framework_and_no_domain(engine: str) -> None:
    engines = tuple(f"linewise.{e}" for e in ENGINES)
    bad = [
        f"{_where(m, line)} imports {target}"
        for m in MODULES
        if _under(m.name, (f"linewise.{engine}",))
        for line, target, _ in m.imports()
        if _under(target, FRAMEWORKS)
        or (target.startswith("linewise") and not _under(target, engines + ENGINE_MAY_IMPORT))
    ]
    assert not bad, "pure engines must stay pure:\n" + "\n".join(bad)


def test_edge_agent_needs_only_engines() -> None:
    bad = [
        f"{_where(m, line)} imports {target}"
        for m in MODULES
        if _under(m.name, ("linewise.edge",))
        for line, target, _ in m.imports()
        if _under(target, FRAMEWORKS)
        or (target.startswith("linewise") and not _under(target, EDGE_MAY_IMPORT))
    ]
    assert not bad, "the edge agent runs without the server:\n" + "\n".join(bad)


def test_core_knows_no_domain() -> None:
    bad = [
        f"{_where(m, line)} imports {target}"
        for m in MODULES
        if _under(m.name, ("linewise.core",))
        for line, target, _ in m.imports()
        if _under(target, CORE_MAY_NOT_IMPORT)
    ]
    assert not bad, "core must not import upward:\n" + "\n".join(bad)


# The app is assembled on top (server/, cli/, demo/); nothing below reaches up into it.
BELOW_ASSEMBLY = (
    "linewise.core",
    "linewise.api",
    "linewise.domains",
    "linewise.ingest",
    "linewise.exchange",
    "linewise.jobs",
    "linewise.ops",
    *(f"linewise.{e}" for e in ENGINES),
)
ASSEMBLY = ("linewise.server", "linewise.cli", "linewise.demo")
# The router kit sits below the domains; authentication needs the accounts domain.
ROUTER_KIT_MAY_IMPORT = (
    "linewise.core",
    "linewise.config",
    "linewise.api",
    "linewise.domains.accounts",
)


def test_nothing_below_the_assembly_imports_it() -> None:
    bad = [
        f"{_where(m, line)} imports {target}"
        for m in MODULES
        if _under(m.name, BELOW_ASSEMBLY)
        for line, target, _ in m.imports()
        if _under(target, ASSEMBLY)
    ]
    assert not bad, "the assembly (server, cli, demo) is the top layer:\n" + "\n".join(bad)


def test_the_router_kit_sits_below_the_domains() -> None:
    bad = [
        f"{_where(m, line)} imports {target}"
        for m in MODULES
        if _under(m.name, ("linewise.api",))
        for line, target, _ in m.imports()
        if target.startswith("linewise") and not _under(target, ROUTER_KIT_MAY_IMPORT)
    ]
    assert not bad, "api/ is the domains' router kit, not the app:\n" + "\n".join(bad)


def test_no_module_imports_another_modules_private_names() -> None:
    bad = []
    for m in MODULES:
        for line, target, names in m.imports():
            if not target.startswith("linewise") or target == m.name:
                continue
            for name in names:
                # A private submodule of one's own package (a compiled extension) is fine.
                if name.startswith("_") and not (
                    target == m.package and (ROOT.parent / target.replace(".", "/")).is_dir()
                ):
                    bad.append(f"{_where(m, line)} imports {target}.{name}")
    assert not bad, "private names are private:\n" + "\n".join(bad)


def _database_calls(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    """(line, call, enclosing top-level function) of every session call or statement."""
    for top in tree.body:
        owner = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else ""
        for node in ast.walk(top):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            if (
                isinstance(fn, ast.Attribute)
                and fn.attr in SESSION_METHODS
                and isinstance(fn.value, ast.Name)
                and fn.value.id in SESSION_NAMES
            ):
                yield node.lineno, f"{fn.value.id}.{fn.attr}()", owner
            elif isinstance(fn, ast.Name) and fn.id in STATEMENT_BUILDERS:
                yield node.lineno, f"{fn.id}()", owner


def test_route_modules_hold_no_queries_or_commits() -> None:
    """api.py parses, calls a service and shapes the answer; queries live in repositories
    and the unit of work commits at the request boundary."""
    bad = [
        f"{_where(m, line)} {call}"
        for m in MODULES
        if m.path.name == "api.py"
        for line, call, _owner in _database_calls(m.tree)
    ]
    assert not bad, "move these into the domain's repository or service:\n" + "\n".join(bad)


def test_the_rules_catch_what_they_are_meant_to_catch() -> None:
    """The walkers above find a query in a handler and an upward import in an engine."""
    handler = ast.parse("def h(db):\n    return db.scalars(select(X))\n")
    assert [c for _, c, _ in _database_calls(handler)] == ["db.scalars()", "select()"]
    engine = Module(
        "linewise.kpi.fake",
        ROOT / "kpi" / "fake.py",
        ast.parse("from linewise.domains.production.models import Order\nimport sqlalchemy\n"),
    )
    assert [t for _, t, _ in engine.imports()] == [
        "linewise.domains.production.models",
        "sqlalchemy",
    ]
