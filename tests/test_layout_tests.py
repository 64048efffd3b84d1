"""The test tree's shape: test modules share helpers through tests/support, never each other."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.env import REPO

TESTS = REPO / "tests"
TEST_MODULES = sorted(TESTS.glob("test_*.py"))


def _imported_modules(path: Path) -> list[str]:
    """Every module name an import statement in `path` names, at any depth in the file."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.append(node.module)
    return names


def _is_test_module_or_conftest(name: str) -> bool:
    # Both spellings reach the same file: `tests/` is on sys.path under pytest, and so is
    # the repo root. Importing conftest as a module loads it a second time beside pytest's.
    last = name.removeprefix("tests.")
    return last.startswith("test_") or last == "conftest"


def test_layout_tests_no_test_module_imports_another_or_conftest() -> None:
    assert len(TEST_MODULES) > 50  # the glob found the suite, so an empty result means something
    offenders = {
        path.name: bad
        for path in TEST_MODULES + sorted((TESTS / "support").glob("*.py"))
        if (bad := [n for n in _imported_modules(path) if _is_test_module_or_conftest(n)])
    }
    assert offenders == {}, "move shared helpers into tests/support or conftest fixtures"


def test_layout_tests_every_test_module_holds_a_test() -> None:
    """A test_*.py without tests is a helper module in disguise; it belongs in tests/support."""
    empty = [
        path.name
        for path in TEST_MODULES
        if not any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert empty == []


def test_layout_tests_finds_imports_of_test_modules_in_either_spelling(tmp_path: Path) -> None:
    path = tmp_path / "test_x.py"
    path.write_text(
        "import tests.test_a\nfrom test_b import f\nfrom tests.support.keys import shared_keys\n"
        "def g():\n    from conftest import REPO\n"
    )
    found = [n for n in _imported_modules(path) if _is_test_module_or_conftest(n)]
    assert found == ["tests.test_a", "test_b", "conftest"]
