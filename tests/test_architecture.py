"""The shape of the code, held by tests: layers, one database gateway, a thin CLI, short functions, lint and types.

These run the project's own checkers (import-linter, ruff, mypy, radon) so
the README's test command is also the project's lint and type check.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "publisher"
BIN = Path(sys.executable).parent
MAX_LINES = 60  # a function longer than this is doing more than one thing
DAEMON = "publisher.queue.daemon"  # the service behind 'publisher run'


def _sources(under: Path = PACKAGE) -> Iterator[Path]:
    for path in sorted(under.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_imports_only_go_down_the_layers() -> None:
    result = _tool("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_package_imports_itself_in_a_circle() -> None:
    import grimp

    graph = grimp.build_graph("publisher")
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                circles.append((module, *chain))
    assert circles == []


def _calls(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield func.id
            elif isinstance(func, ast.Attribute):
                yield func.attr


def _imports(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_one_database_gateway_holds_the_only_create_engine() -> None:
    users = [
        path.relative_to(ROOT).as_posix()
        for path in _sources()
        if "create_engine" in set(_calls(ast.parse(path.read_text())))
    ]
    assert users == ["publisher/queue/db.py"]


def test_the_command_line_runs_no_query_and_calls_no_platform() -> None:
    offenders = []
    for path in _sources(PACKAGE / "cli"):
        tree = ast.parse(path.read_text())
        imports = set(_imports(tree))
        if "select" in set(_calls(tree)) or any(name.startswith("sqlalchemy") for name in imports):
            offenders.append(f"{path.name}: queries the database")
        below = [n for n in imports if n.startswith(("publisher.platforms", "publisher.queue"))]
        if [n for n in below if not n.startswith(DAEMON)]:
            offenders.append(f"{path.name}: reaches below the services")
    assert offenders == []


def test_the_platform_table_has_no_third_party_import() -> None:
    tree = ast.parse((PACKAGE / "platforms" / "specs.py").read_text())
    assert set(_imports(tree)) <= {
        "__future__",
        "__future__.annotations",
        "dataclasses",
        "dataclasses.dataclass",
        "enum",
        "enum.StrEnum",
    }


def test_no_function_is_complex_or_long() -> None:
    from radon.complexity import cc_rank, cc_visit

    too_complex, too_long = [], []
    for path in _sources():
        source = path.read_text()
        for block in cc_visit(source):
            if cc_rank(block.complexity) > "C":
                too_complex.append(f"{path.relative_to(ROOT)}:{block.lineno} {block.name} ({block.complexity})")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert too_complex == [], "above rank C in cyclomatic complexity"
    assert too_long == [], f"over {MAX_LINES} lines"


def test_ruff_reports_nothing() -> None:
    lint = _tool("ruff", "check", "publisher", "tests", "bench")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = _tool("ruff", "format", "--check", "publisher", "tests", "bench")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_mypy_strict_reports_nothing() -> None:
    result = _tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_docstrings_cite_only_the_projects_own_docs() -> None:
    import re

    cited, outside = set(), []
    for path in _sources():
        text = path.read_text()
        cited.update(re.findall(r"docs/([\w-]+\.md)", text))
        for match in re.finditer(r"(?<![\w/.])(?:\.\./shared|spec/|[a-z-]+\.md)\b", text):
            if not text[max(0, match.start() - 5) : match.start()].endswith("docs/"):
                outside.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert outside == []
    assert cited and all((ROOT / "docs" / name).is_file() for name in cited), cited
