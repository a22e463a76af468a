"""The package's design, checked on its source: floors, no cycles, short modules and functions, and
every name the notebooks use.

The rule is the one written in ``helpers/__init__.py``'s docstring, read from it (not copied here):
the floors are numbered there, base first, and a module imports only from its own floor or a lower
one. ``cli`` and ``__main__``/``__init__`` form the top floor. Every ``import`` and ``from ...
import`` counts, at module level and inside functions alike: an import moved into a function still
makes the module depend on the other one (it only hides the dependency until the call).

Each failure names the file, the line and the import, function or name that breaks the rule.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "helpers"
NOTEBOOKS = ROOT / "notebooks"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
LONG_REASON = re.compile(r"#\s*long:\s*\S")  # `# long: <the reason>` excuses a long function


# --- reading the package -------------------------------------------------------------------------


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``helpers/core/vgg.py`` -> ``helpers.core.vgg``; ``helpers/core/__init__.py`` -> ``helpers.core``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def read_floors(init: Path) -> list[str]:
    """The numbered floors in the package docstring, lowest first: ``1. ``base`` ...``."""
    doc = ast.get_docstring(ast.parse(init.read_text())) or ""
    numbered = re.findall(r"^\s*(\d+)\.\s+``(\w+)``", doc, re.MULTILINE)
    assert numbered, f"{init}: its docstring no longer numbers the floors as '1. ``base`` ...'"
    assert [int(n) for n, _ in numbered] == list(range(1, len(numbered) + 1)), numbered
    return [name for _, name in numbered]


def floor_of(module: str, floors: list[str]) -> int | None:
    """0 for the lowest floor; the top floor (``__init__``, ``__main__`` with the last named floor)
    for the package itself. None for a module on no floor."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return len(floors) - 1
    return floors.index(parts[1]) if parts[1] in floors else None


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the helpers module it loads (a package stands for its __init__.py)
    line: int
    function: str | None  # None at module level
    text: str  # the statement as written

    def where(self, path: Path) -> str:
        inside = f" (inside {self.function})" if self.function else ""
        return f"{path.relative_to(ROOT)}:{self.line}{inside}: {self.text}"


def _resolve(source: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = source.split(".") if is_package else source.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(source: str, path: Path, modules: dict[str, Path], top: str = "helpers") -> list[Import]:
    """Every import of a ``top`` module in one file, with the function it sits in (if any)."""
    text_of_file = path.read_text()
    tree = ast.parse(text_of_file, filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{scope}{child.name}", f"{scope}{child.name}.")
                continue
            if isinstance(child, ast.ClassDef):
                visit(child, function, f"{scope}{child.name}.")
                continue
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                module = _resolve(source, is_package, child)
                # `from pkg import sub` loads the submodule pkg.sub when there is one
                targets = [
                    f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                    for alias in child.names
                ]
            text = " ".join((ast.get_source_segment(text_of_file, child) or "").split()) if targets else ""
            for target in dict.fromkeys(targets):
                if target == top or target.startswith(top + "."):
                    found.append(Import(source, target, child.lineno, function, text))
            visit(child, function, scope)

    visit(tree, None, "")
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or around a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            groups.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return groups


def long_functions(path: Path, limit: int = MAX_FUNCTION_LINES, root: Path = ROOT) -> list[str]:
    """Functions longer than ``limit`` lines whose def line, decorators or the line above carry no
    ``# long: reason`` comment."""
    lines = path.read_text().splitlines()
    found = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = child.end_lineno - child.lineno + 1
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                excuse = lines[max(first - 2, 0) : child.lineno]  # the line above ... the def line
                if length > limit and not any(LONG_REASON.search(line) for line in excuse):
                    found.append(
                        f"{path.relative_to(root)}:{child.lineno} {scope}{child.name} is {length} lines"
                    )
                visit(child, f"{scope}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{scope}{child.name}.")
            else:
                visit(child, scope)

    visit(ast.parse("\n".join(lines), filename=str(path)), "")
    return found


MODULES = package_modules()
FLOORS = read_floors(PACKAGE / "__init__.py")
IMPORTS = {name: imports_of(name, path, MODULES) for name, path in MODULES.items()}


def floor_label(floor: int) -> str:
    top = " (the top: helpers/__init__.py, __main__.py and cli/)" if floor == len(FLOORS) - 1 else ""
    return f"{FLOORS[floor]}{top}"


def _rel(module: str) -> str:
    return str(MODULES[module].relative_to(ROOT))


# --- the package ---------------------------------------------------------------------------------


def test_the_docstring_names_every_floor_and_every_floor_exists():
    assert FLOORS[0] == "base", FLOORS
    for floor in FLOORS:
        assert (PACKAGE / floor).is_dir() or (PACKAGE / f"{floor}.py").is_file(), f"floor {floor} is missing"


@pytest.mark.parametrize("module", sorted(MODULES), ids=_rel)
def test_module_lives_on_a_floor(module):
    assert floor_of(module, FLOORS) is not None, (
        f"{_rel(module)} is on no floor: move it into one of helpers/{{{','.join(FLOORS)}}}/"
    )


@pytest.mark.parametrize("module", sorted(MODULES), ids=_rel)
def test_module_imports_only_its_own_floor_or_lower(module):
    mine = floor_of(module, FLOORS)
    if mine is None:
        pytest.skip("on no floor (test_module_lives_on_a_floor fails)")
    upward = [
        f"{imp.where(MODULES[module])}  ->  {imp.target} is on floor "
        f"{floor_label(floor_of(imp.target, FLOORS))}, above {floor_label(mine)}"
        for imp in IMPORTS[module]
        if floor_of(imp.target, FLOORS) is not None and floor_of(imp.target, FLOORS) > mine
    ]
    assert not upward, "imports from a higher floor:\n" + "\n".join(upward)


def test_there_is_no_import_cycle():
    graph = {m: {imp.target for imp in imps if imp.target in MODULES} for m, imps in IMPORTS.items()}
    cycles = [group for group in strongly_connected(graph) if len(group) > 1]
    report = []
    for group in cycles:
        report.append("cycle: " + " <-> ".join(group) + ", by these imports:")
        edges = [i.where(MODULES[m]) for m in group for i in IMPORTS[m] if i.target in group]
        report += ["    " + edge for edge in dict.fromkeys(edges)]
    assert not cycles, "\n".join(report)


@pytest.mark.parametrize("module", sorted(MODULES), ids=_rel)
def test_module_is_at_most_400_lines(module):
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_MODULE_LINES, f"{_rel(module)} is {n} lines (limit {MAX_MODULE_LINES}): split it"


@pytest.mark.parametrize("module", sorted(MODULES), ids=_rel)
def test_functions_are_at_most_80_lines_or_say_why(module):
    found = long_functions(MODULES[module])
    assert not found, (
        f"functions over {MAX_FUNCTION_LINES} lines (split them, or put `# long: <reason>` on the line "
        "before the def):\n" + "\n".join(found)
    )


# --- the names the notebooks use -----------------------------------------------------------------


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((NOTEBOOKS / "solutions").glob("*.ipynb"))


def names_used(path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """``helpers.a.b`` chains (after ``import helpers [as h]``) and ``from helpers.x import y``
    pairs in the code cells of one notebook, each with its cell number."""
    from IPython.core.inputtransformer2 import TransformerManager  # turns %magics into Python

    transform = TransformerManager().transform_cell
    chains: list[tuple[int, str]] = []
    froms: list[tuple[int, str, str]] = []
    nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(transform(cell.source), filename=f"{path.name} cell {number}")
        aliases = {"helpers"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {a.asname for a in node.names if a.name == "helpers" and a.asname}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "helpers":
                froms += [(number, node.module, a.name) for a in node.names if not node.level]
        for node in ast.walk(tree):  # helpers.vgg.CHANNELS yields it and helpers.vgg: both must resolve
            if isinstance(node, ast.Attribute):
                parts = []
                value: ast.AST = node
                while isinstance(value, ast.Attribute):
                    parts.append(value.attr)
                    value = value.value
                if isinstance(value, ast.Name) and value.id in aliases:
                    chains.append((number, ".".join(["helpers", *reversed(parts)])))
    return chains, froms


RESOLVE = r"""
import importlib, json, sys
import helpers
chains, froms = json.loads(sys.stdin.read())
missing = []
for chain in chains:
    obj, walked = helpers, "helpers"
    for part in chain.split(".")[1:]:
        if not hasattr(obj, part):
            missing.append([chain, f"{walked} has no attribute {part!r}"])
            break
        obj, walked = getattr(obj, part), f"{walked}.{part}"
for module, name in froms:
    statement = f"from {module} import {name}"
    try:
        exec(statement, {})
    except ImportError as error:
        missing.append([statement, f"{type(error).__name__}: {error}"])
print(json.dumps(missing))
"""


def test_import_helpers_provides_every_name_the_notebooks_use():
    """Run in a fresh interpreter: only what ``import helpers`` itself loads may count (a submodule
    that another test imported would otherwise appear as an attribute of its package)."""
    paths = notebook_paths()
    assert paths, "no notebooks found"
    where: dict[str, list[str]] = {}
    for path in paths:
        chains, froms = names_used(path)
        name = str(path.relative_to(NOTEBOOKS))
        for number, chain in chains:
            where.setdefault(chain, []).append(f"{name} cell {number}")
        for number, module, imported in froms:
            where.setdefault(f"from {module} import {imported}", []).append(f"{name} cell {number}")
    chains = sorted(k for k in where if not k.startswith("from "))
    froms = sorted(k.split()[1::2] for k in where if k.startswith("from "))
    assert any(c.startswith("helpers.") for c in chains), "the notebooks use no helpers.<name>?"
    run = subprocess.run(
        [sys.executable, "-c", RESOLVE],
        input=json.dumps([chains, froms]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    missing = json.loads(run.stdout.strip().splitlines()[-1])
    assert not missing, "names the notebooks use that `import helpers` does not provide:\n" + "\n".join(
        f"{used}: {why} (in {', '.join(where[used][:3])})" for used, why in missing
    )


# --- the checker itself, on a small package with planted faults ----------------------------------

PLANTED = {
    "__init__.py": '"""1. ``low``\n2. ``high``\n"""\nfrom .high import b\n',
    "low/__init__.py": "",
    "low/a.py": "import os\n\ndef f():\n    from ..high.b import g  # upward, hidden in a function\n",
    "high/__init__.py": "",
    "high/b.py": "from ..low import a\nfrom . import c\n\n# long: a planted example\ndef g():\n"
    + "    x = 1\n" * 90,
    "high/c.py": "from .b import g\n\n\ndef h():\n" + "    y = 2\n" * 90,
}


@pytest.fixture
def planted(tmp_path) -> Path:
    root = tmp_path / "pkg"
    for name, text in PLANTED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_checker_reads_relative_and_function_level_imports(planted):
    modules = package_modules(planted)
    found = {
        (i.source, i.target, i.function)
        for m, p in modules.items()
        for i in imports_of(m, p, modules, top="pkg")
    }
    assert ("pkg.low.a", "pkg.high.b", "f") in found  # ..high.b from inside f
    assert ("pkg.high.b", "pkg.low.a", None) in found  # `from ..low import a` is the module a
    assert ("pkg.high.b", "pkg.high.c", None) in found  # `from . import c` in a module
    assert ("pkg", "pkg.high.b", None) in found  # `from .high import b` in an __init__
    assert read_floors(planted / "__init__.py") == ["low", "high"]
    assert floor_of("pkg.low.a", ["low", "high"]) == 0 and floor_of("pkg.high.c", ["low", "high"]) == 1


def test_checker_finds_the_planted_cycles(planted):
    modules = package_modules(planted)
    graph = {
        m: {i.target for i in imports_of(m, p, modules, top="pkg") if i.target in modules}
        for m, p in modules.items()
    }
    cycles = [g for g in strongly_connected(graph) if len(g) > 1]
    assert cycles == [["pkg.high.b", "pkg.high.c", "pkg.low.a"]]


def test_checker_excuses_only_a_long_function_that_says_why(planted):
    assert long_functions(planted / "high" / "b.py", root=planted) == []
    (found,) = long_functions(planted / "high" / "c.py", root=planted)
    assert found.endswith("h is 91 lines")


# --- who uses the package from outside: no path edits, public names only --------------------------


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_tests_and_benchmarks_do_not_edit_sys_path():
    """They import `helpers`, `tests` and `benchmarks` as packages from the root folder."""
    edits = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _python_files("tests", "benchmarks", "tools")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    assert not edits, "sys.path used at " + ", ".join(edits)


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def test_benchmarks_use_only_public_names_of_helpers():
    found = []
    for path in _python_files("benchmarks"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "helpers":
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Attribute):
                parts, value = [node.attr], node.value
                while isinstance(value, ast.Attribute):
                    parts.append(value.attr)
                    value = value.value
                if isinstance(value, ast.Name) and value.id == "helpers":
                    names = [".".join(["helpers", *reversed(parts)])]
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names if _private(name)]
    assert not found, "private names (make them public in the package, or do without):\n" + "\n".join(found)
