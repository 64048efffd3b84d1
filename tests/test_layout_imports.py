"""The layout holds: callers import a package through its face, and dependencies point one way."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.env import REPO

RUNTIME = ("agents", "knowledge", "state", "commands", "service", "delivery", "evals", "bench")
# Top-level packages each layer may never import (DESIGN.md: cli -> commands -> service ->
# agents -> knowledge, state; evals beside commands, never under agents).
FORBIDDEN = {
    "knowledge": {"agents", "commands", "service", "delivery", "evals", "cli"},
    "state": {"agents", "knowledge", "commands", "service", "evals", "cli"},
    "agents": {"commands", "service", "delivery", "evals", "cli"},
    "delivery": {"agents", "knowledge", "commands", "service", "evals", "cli"},
    "service": {"commands", "cli", "evals"},
    "evals": {"commands", "service", "cli"},
    "commands": {"cli"},
    "bench": {"cli"},
}


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _faced_packages() -> set[str]:
    """Sub-packages of agents/, knowledge/ and evals/: each has a face (its __init__)."""
    found = set()
    for top in ("agents", "knowledge", "evals"):
        for init in (REPO / top).rglob("__init__.py"):
            name = _module_of(init)
            if name != top:
                found.add(name)
    return found


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
    return out


def _sources() -> list[Path]:
    files = [p for top in RUNTIME for p in (REPO / top).rglob("*.py")]
    return sorted(p for p in files if "__pycache__" not in p.parts)


def test_layout_imports_go_through_package_faces() -> None:
    """`from agents.tickets.policy import X` is for agents.tickets' own modules; everyone else
    imports `from agents.tickets import X` (tests may reach into the unit they test)."""
    packages = _faced_packages()
    wrong = []
    for path in _sources():
        me = _module_of(path)
        for line, module in _imports(path):
            owners = [p for p in packages if module.startswith(p + ".")]
            if module in packages or not owners:
                continue  # a face (a package's __init__), or not inside a faced package
            owner = max(owners, key=len)  # the innermost package holding the module
            if me != owner and not me.startswith(owner + "."):
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert wrong == []


def test_layout_dependencies_point_one_way() -> None:
    wrong = []
    for path in [*_sources(), REPO / "settings.py", REPO / "errors.py"]:
        layer = path.relative_to(REPO).parts[0].removesuffix(".py")
        banned = FORBIDDEN.get(layer, {"agents", "knowledge", "state", "commands", "cli"})
        for line, module in _imports(path):
            if module.split(".")[0] in banned:
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert wrong == []


def test_layout_plain_import_does_not_load_drawing() -> None:
    """matplotlib and networkx load only when a picture is asked for."""
    import subprocess
    import sys

    code = "import sys, agents, knowledge.cmdb; print(sorted({'matplotlib', 'networkx'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
