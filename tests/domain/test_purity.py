"""`doan3cd.domain` is pure: standard library only, and no clock, randomness or I/O."""

import ast
import sys
from pathlib import Path

import pytest

import doan3cd.domain

DOMAIN = Path(doan3cd.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))
IMPURE_MODULES = {
    "time",
    "random",
    "secrets",
    "os",
    "io",
    "socket",
    "subprocess",
    "shutil",
    "pathlib",
}
CLOCK_CALLS = {"now", "today", "utcnow", "monotonic", "perf_counter"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.add(node.module or "")
    return names


def test_domain_has_modules() -> None:
    assert {"name_order.py", "framework.py", "facts.py", "evaluation.py"} <= {
        path.name for path in MODULES
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_imports_only_the_standard_library(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        if name.startswith("doan3cd."):
            assert name.startswith("doan3cd.domain."), f"{path.name} imports {name}"
        else:
            assert top in sys.stdlib_module_names, f"{path.name} imports {name}"
            assert top not in IMPURE_MODULES, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not attributes & CLOCK_CALLS, f"{path.name} reads the clock"
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & {"open", "print", "input"}, f"{path.name} does I/O"
