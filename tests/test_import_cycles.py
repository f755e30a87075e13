"""No import cycles: each package can be read, tested and replaced on its own.

Imports are read from the source; `if TYPE_CHECKING:` blocks are left out, since they never
run. Two rules:
- no cycle at all among the imports made when modules load (module level);
- jobs (app.jobs), events and outbound webhooks sit in
  no cycle even counting the imports deferred into functions (a deferred import hides a cycle,
  it does not remove it).
One idiom is allowed: a blueprint package's view modules import its `bp` from the package that
imports them last (Flask's own pattern for packages of views).

And the layering, as the purity test does for the core: no cycle between packages (folders),
deferred imports included; rendering and storage import nothing above them; and no module outside
the web, API and portal blueprints imports them but create_app (app/__init__.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, known: set[str], *, deferred: bool = True) -> set[str]:
    """The app modules a file imports (a name imported from a package counts if it is a module);
    deferred=False leaves out the imports made inside functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    type_checking = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    in_functions = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_checking or (not deferred and id(node) in in_functions):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # "from app import events" imports the module app.events; "from app.jobs import
                # JobOptions" imports app.jobs.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    own = module_name(path)
    return {name for name in found if name in known and not own.startswith(f"{name}.")}


def import_graph(*, deferred: bool = True) -> dict[str, set[str]]:
    files = [p for folder in ("app", "workers") for p in (ROOT / folder).rglob("*.py")]
    known = {module_name(p) for p in files}
    return {module_name(p): imported_modules(p, known, deferred=deferred) - {module_name(p)} for p in files}


BOUNDARIES = (
    "app.jobs",
    "app.events",
    "app.webhooks.delivery",
    "app.webhooks.subscriptions",
    "app.safe_http",
)
"""Modules that must sit in no cycle, deferred imports included."""


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert "app.jobs" in graph["app.services"]
    assert "app.events" in graph["app.webhooks.delivery"]
    assert "app.services" not in graph["app.webhooks.delivery"]  # only under TYPE_CHECKING


def test_a_planted_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_when_modules_load() -> None:
    assert cycles(import_graph(deferred=False)) == []


def test_jobs_events_and_outbound_webhooks_are_in_no_cycle_at_all() -> None:
    graph = import_graph()
    assert {"app.jobs.rq_runner", "app.events", "app.webhooks.delivery"} <= set(graph)
    caught = [c for c in cycles(graph) if any(m == b or m.startswith(f"{b}.") for m in c for b in BOUNDARIES)]
    assert caught == []


def test_a_deferred_import_closing_a_cycle_is_seen() -> None:
    graph = import_graph()
    planted = {**graph, "app.jobs": graph["app.jobs"] | {"app.services"}}  # as app.queue once did
    assert any("app.jobs" in c and "app.services" in c for c in cycles(planted))


def package_of(module: str, packages: set[str]) -> str | None:
    """The innermost package (folder) a module belongs to; None for a module at the top of app/."""
    owners = [p for p in packages if module == p or module.startswith(f"{p}.")]
    return max(owners, key=len) if owners else None


def package_graph() -> dict[str, set[str]]:
    """Package -> the other packages its modules import (deferred imports included)."""
    packages = {module_name(p.parent / "__init__.py") for p in (ROOT / "app").rglob("__init__.py")} - {"app"}
    packages.add("workers")
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        source = package_of(module, packages)
        if source is None:
            continue
        for target in map(lambda t: package_of(t, packages), targets):
            related = (
                target is None
                or target == source
                or target.startswith(f"{source}.")
                or source.startswith(f"{target}.")
            )
            if not related:
                graph.setdefault(source, set()).add(target)  # type: ignore[arg-type]
    return graph


def test_no_cycle_between_packages() -> None:
    graph = package_graph()
    assert "app.webhooks" in graph["app.api"] and "app.auth" in graph["app.web"]  # the graph sees packages
    assert cycles(graph) == []


def test_rendering_and_storage_import_nothing_above_them() -> None:
    graph = import_graph()
    for layer in ("app.rendering", "app.storage"):
        for module, targets in graph.items():
            if module == layer or module.startswith(f"{layer}."):
                above = {t for t in targets if not t.startswith(layer) and t != "app.errors"}
                assert above == set(), f"{module} imports {sorted(above)}"
    assert graph["app.errors"] == set()  # the one module both may use imports nothing of ours


BLUEPRINTS = ("app.web", "app.api", "app.portal")
"""Blueprint packages: only create_app (app/__init__.py) imports them from outside."""


def test_no_package_imports_the_blueprints_but_create_app() -> None:
    graph = import_graph()
    found = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        for blueprint in BLUEPRINTS
        if (target == blueprint or target.startswith(f"{blueprint}."))
        and not (module == blueprint or module.startswith(f"{blueprint}."))
        and module != "app"
    )
    assert found == []
    assert {"app.web", "app.api", "app.portal"} <= graph["app"]  # create_app does import them


def test_services_sit_in_no_cycle_even_deferred() -> None:
    """app.services builds everything once: nothing it imports may import it back, even late
    (the uploaded designs' store once closed app.services -> app.designs -> app.publishing -> app.services)."""
    caught = [c for c in cycles(import_graph()) if "app.services" in c]
    assert caught == []
