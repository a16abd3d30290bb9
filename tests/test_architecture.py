"""The package's structure: no module reaches into another module's private names.

A leading underscore says "this module's own business": a name another
module imports can change shape without a word in review. Shared helpers
belong in a module that makes them public (``render.pdfsyntax``,
``scripts``, ``resources``). Private *modules* (``_yaml``) are the
package's own and may be imported by it. The import layers themselves are
checked by ``lint-imports`` (import-linter, contract in pyproject.toml).
"""

from __future__ import annotations

import ast
from pathlib import Path

import appeal_gen

PACKAGE = Path(appeal_gen.__file__).resolve().parent

#: (importing module, imported module, name) -> why it is allowed for now.
EXCEPTIONS: dict[tuple[str, str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str | None:
    """The package-relative name of the module *node* imports from, or None outside appeal_gen."""
    if node.level == 0:
        if node.module == "appeal_gen" or (node.module or "").startswith("appeal_gen."):
            return (node.module or "").removeprefix("appeal_gen").lstrip(".")
        return None
    base = module.split(".") if module else []
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_module(dotted: str) -> bool:
    path = PACKAGE.joinpath(*dotted.split(".")) if dotted else PACKAGE
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_imports() -> set[tuple[str, str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported_modules: dict[str, str] = {}  # local name -> module, for ``module._name``
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, node, path.name == "__init__.py")
                if source is None:
                    continue
                for alias in node.names:
                    target = f"{source}.{alias.name}".lstrip(".")
                    if _is_module(target):
                        imported_modules[alias.asname or alias.name] = target
                    elif alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.add((module, source, alias.name))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.add((module, imported_modules[node.value.id], node.attr))
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    assert private_imports() - set(EXCEPTIONS) == set()


def test_every_exception_is_still_needed() -> None:
    assert set(EXCEPTIONS) - private_imports() == set()
