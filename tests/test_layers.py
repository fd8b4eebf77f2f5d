"""The package's layers stay one-way: every import inside ``transferability`` points to a lower layer."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import transferability

PACKAGE = Path(transferability.__file__).parent
CONTRACT = "transferability.models.contract"
# Layer of a module -> the layers it may import (besides itself). The explainer needs only the
# classifier contract; the command line and the package's own __init__ sit on top of everything.
ALLOWED = {
    "contract": set(),
    "explainer": {"contract"},
    "data": {"contract"},
    "models": {"contract", "data"},
    "analysis": {"contract", "explainer", "data", "models"},
    "report": {"contract", "explainer", "data", "models", "analysis"},
    "workflow": {"contract", "explainer", "data", "models", "analysis", "report"},
    "top": {"contract", "explainer", "data", "models", "analysis", "report", "workflow"},
}
SUBPACKAGES = ("explainer", "data", "models", "analysis", "report", "workflow")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    if module == CONTRACT:
        return "contract"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "top"


def imported_modules(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every import of this package in a file, relative ones resolved."""
    found = []
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names if alias.name.startswith("transferability")]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if module.split(".")[0] == "transferability":
                found.append((module, [alias.name for alias in node.names], node.lineno))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_found_in_a_layer():
    layers = {layer(module_name(path)) for path in MODULES}
    assert layers == set(ALLOWED)
    assert len(MODULES) > 60


@pytest.mark.parametrize("path", MODULES, ids=lambda path: module_name(path))
def test_imports_point_to_lower_layers(path):
    importer = module_name(path)
    own = layer(importer)
    wrong = []
    for module, names, line in imported_modules(path):
        targets = [module] if names == [] else [f"{module}.{name}" if f"{module}.{name}" == CONTRACT else module for name in names]
        for target in targets:
            if target == "transferability" and own != "top":
                wrong.append(f"line {line}: the package root, from layer {own}")
            elif layer(target) not in ALLOWED[own] | {own}:
                wrong.append(f"line {line}: {target} (layer {layer(target)}) from layer {own}")
    assert wrong == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: module_name(path))
def test_no_private_name_is_imported_from_another_module(path):
    importer = module_name(path)
    private = [f"line {line}: {module}.{name}" for module, names, line in imported_modules(path)
               for name in names if name.startswith("_") and module != importer]
    assert private == []


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_every_subpackage_says_what_it_holds_and_may_import(name):
    doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
    assert doc is not None and len(doc.split()) > 30
    assert "import" in doc.lower()


def test_the_explainer_runs_with_only_the_contract_loaded():
    """Importing the explainer loads no other subpackage (the layer test, checked at run time)."""
    import subprocess
    import sys

    code = ("import sys, transferability.explainer; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('transferability.') "
            "and not m.startswith('transferability.explainer'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["transferability.models", CONTRACT]
