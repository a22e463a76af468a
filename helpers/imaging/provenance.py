"""Which example images each notebook cell used, and which outputs may show them.

The rendered course (``tools/site.py``) leaves out of its public edition every output that may
show an image the catalogue marks as not redistributable, and credits the images each page shows.
Both need to know where each image went, so:

1. a kernel started with :data:`KERNEL_ARGS` runs :func:`install`: every catalogue image a cell
   resolves (by name, or by opening its file) is noted with the line of the cell's top-level
   statement that asked for it; at the end of the cell one display output of type :data:`MIME`
   carries the notes;
2. :func:`collect`, run by the executor outside the kernel, moves them into the cell's metadata
   (key :data:`KEY`), so the outputs stay as a learner sees them;
3. :func:`derived_images` follows the images through the notebook's variables: a statement that
   loaded an image, or reads a variable that may hold one (itself or through a function it calls),
   passes it on to every variable it assigns and every object it changes in place (``x[i] =``,
   ``x.append(...)``); a cell with such a statement may show it. An object handed to a function
   that stores the image in it is not followed.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable

from .catalog import CatalogImage, watch

MIME = "application/vnd.nst.images+json"
KEY = "nst_images"
# exec_lines run before the first cell without taking an execution count or leaving a global.
KERNEL_ARGS = [
    "--IPKernelApp.exec_lines=__import__('helpers.imaging.provenance').imaging.provenance.install()"
]
_CELL_FILE = re.compile(r"ipykernel_\d+[\\/]\d+\.py$")  # where IPython compiles a cell's code
_notes: list[dict] = []


def _cell_line() -> int | None:
    """The line of the running cell's top-level statement (None when not called from a cell)."""
    frame, line = sys._getframe(2), None
    while frame is not None:
        if frame.f_code.co_name == "<module>" and _CELL_FILE.search(frame.f_code.co_filename):
            line = frame.f_lineno
        frame = frame.f_back
    return line


def _note(entry: CatalogImage) -> None:
    _notes.append({"image": entry.name, "line": _cell_line()})


def _publish(_result=None) -> None:
    if _notes:
        from IPython.display import publish_display_data

        publish_display_data({MIME: {"images": list(_notes)}})
        _notes.clear()


def install() -> None:
    """In a kernel: note the images each cell uses and publish the notes when the cell ends."""
    from IPython import get_ipython

    watch(_note)
    get_ipython().events.register("post_run_cell", _publish)


def collect(nb) -> None:
    """Move the kernel's notes out of the outputs into ``cell.metadata[KEY]`` (a list of notes)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        notes = [n for o in cell.outputs if MIME in o.get("data", {}) for n in o["data"][MIME]["images"]]
        if notes:
            cell.outputs = [o for o in cell.outputs if MIME not in o.get("data", {})]
            cell.metadata[KEY] = notes


def images_used(nb) -> list[str]:
    """Every catalogue image the notebook's cells used, in the order first used."""
    found = [n["image"] for c in nb.cells for n in c.get("metadata", {}).get(KEY, [])]
    return list(dict.fromkeys(found))


def _parse(source: str) -> ast.Module | None:
    from IPython.core.inputtransformer2 import TransformerManager  # magics become Python

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_SCOPES += (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class _Names:
    """What a statement reads, binds and changes in place (``x[i] = ``, ``x.a = ``, ``x.append()``)
    in the notebook's namespace; a nested function or comprehension adds only its free names."""

    def __init__(self, node: ast.AST, *, inside: bool = False):
        self.reads: set[str] = set()
        self.binds: set[str] = set()
        self.changes: set[str] = set()
        self.defs: dict[str, set[str]] = {}  # function or class -> the free names its body reads
        for child in ast.iter_child_nodes(node) if inside else [node]:  # inside: a scope's body
            self._visit(child)

    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, _SCOPES):
            inner = _Names(node, inside=True)
            args = getattr(node, "args", None) or ast.arguments(posonlyargs=[], args=[], kwonlyargs=[])
            local = inner.binds | {a.arg for a in ast.walk(args) if isinstance(a, ast.arg)}
            self.reads |= inner.reads - local
            self.changes |= inner.changes - local
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.binds.add(node.name)
                self.defs[node.name] = inner.reads - local
            return
        if isinstance(node, ast.Name):
            (self.reads if isinstance(node.ctx, ast.Load) else self.binds).add(node.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            self.changes |= _base(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            self.changes |= _base(node.func.value)
        for child in ast.iter_child_nodes(node):
            self._visit(child)


def _base(node: ast.AST) -> set[str]:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return {node.id} if isinstance(node, ast.Name) else set()


def _modules(stmt: ast.AST) -> set[str]:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    return set()


def derived_images(nb, restricted: Iterable[str]) -> dict[int, set[str]]:
    """Cell index -> the ``restricted`` images that the cell's outputs may show (cells without any
    are left out). Conservative: a cell that cannot be parsed may show every image seen so far."""
    restricted = set(restricted)
    holds: dict[str, set[str]] = {}  # variable -> images it may hold
    calls: dict[str, set[str]] = {}  # function or class -> the names its body reads
    modules: set[str] = set()
    found: dict[int, set[str]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        notes = [n for n in cell.get("metadata", {}).get(KEY, []) if n["image"] in restricted]
        tree = _parse(cell.source)
        if tree is None:
            shown = {n["image"] for n in notes}.union(*holds.values())
            found.update({index: shown} if shown else {})
            continue
        shown = set()
        for stmt in tree.body:
            here = {n["image"] for n in notes if n["line"] is None or _inside(n["line"], [stmt])}
            names = _Names(stmt)
            calls.update(names.defs)
            here = here.union(*(holds.get(name, set()) for name in _closure(names.reads, calls)))
            modules |= _modules(stmt)
            if here:
                for name in (names.binds | names.changes) - modules:
                    holds[name] = holds.get(name, set()) | here
                shown |= here
        if any(n["line"] is not None and not _inside(n["line"], tree.body) for n in notes):
            shown |= {n["image"] for n in notes}
        if shown:
            found[index] = shown
    return found


def _inside(line: int, statements: list[ast.stmt]) -> bool:
    return any(stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno) for stmt in statements)


def _closure(names: set[str], calls: dict[str, set[str]]) -> set[str]:
    """``names`` and, for each function or class among them, what its body reads (transitively)."""
    seen, todo = set(names), list(names)
    while todo:
        for name in calls.get(todo.pop(), set()) - seen:
            seen.add(name)
            todo.append(name)
    return seen
