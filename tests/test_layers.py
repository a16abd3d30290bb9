"""No import circle in appeal_gen, lazy (in-function) imports included.

The layers contract (``lint-imports``) lets modules of one layer import each
other, so it cannot see a circle inside a layer; and a circle made of
imports inside functions still means neither module can be understood, tested
or moved without the other. grimp (import-linter's graph library) reads
every import statement, at module level or not.
"""

from __future__ import annotations

import grimp


def import_cycles(package: str = "appeal_gen") -> list[list[str]]:
    """The package's strongly connected components of more than one module (Tarjan), each sorted."""
    graph = grimp.build_graph(package, include_external_packages=False)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(cycles)


def test_no_import_cycles() -> None:
    assert import_cycles() == []
