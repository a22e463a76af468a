"""Run a notebook top to bottom in quick mode, once per test session, and look inside it.

After the notebook's own cells, the harness runs one probe cell of its own (never saved into the
notebook) that prints a JSON snapshot of the notebook's global variables: numbers, strings,
paths (and whether they exist), short lists and dicts, and ``helpers.Result`` objects (their
first and final losses). Tests assert on that snapshot, so they check what a notebook computed,
not only that it ran.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import nbformat

from helpers.imaging import provenance
from tests.conftest import ARTIFACTS, ROOT

NOTEBOOKS = ROOT / "notebooks"
MARKER = "<<<NST-SNAPSHOT>>>"

PROBE = r"""
def _nst_summary(value, depth=0):
    import math, pathlib
    import torch
    import helpers
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, pathlib.Path):
        return {"path": str(value), "exists": value.exists()}
    if isinstance(value, helpers.Result):
        return {
            "result": True, "steps": len(value.history), "final": value.final,
            "first": value.history[0] if value.history else {}, "stopped": value.stopped,
            "shape": list(value.image.shape), "settings": _nst_summary(value.settings, depth + 1),
        }
    if isinstance(value, torch.Tensor):
        if value.numel() <= 64:
            return value.detach().cpu().tolist()
        return {"tensor": list(value.shape), "dtype": str(value.dtype)}
    if depth > 3:
        raise TypeError
    if isinstance(value, dict) and len(value) <= 200:
        out = {}
        for k, v in value.items():
            try:
                out[str(k)] = _nst_summary(v, depth + 1)
            except Exception:
                pass
        return out
    if isinstance(value, (list, tuple)) and len(value) <= 500:
        return [_nst_summary(v, depth + 1) for v in value]
    if type(value).__name__ == "Figure":
        return {"figure": len(value.axes)}
    raise TypeError

def _nst_snapshot():
    import json
    out = {}
    for name, value in list(globals().items()):
        if name.startswith("_") or name in {"In", "Out", "exit", "quit", "get_ipython"}:
            continue
        try:
            out[name] = _nst_summary(value)
        except Exception:
            pass
    print("<<<NST-SNAPSHOT>>>" + json.dumps(out, default=str))

_nst_snapshot()
"""


@dataclass
class Executed:
    name: str
    notebook: nbformat.NotebookNode
    snapshot: dict
    seconds: float
    cell_seconds: list[float]

    def __getitem__(self, key: str):
        return self.snapshot[key]

    def output_text(self) -> str:
        """Everything the cells printed or showed as Markdown, in order (what a learner reads)."""
        return "\n".join(
            str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
            for c in self.notebook.cells
            for o in c.get("outputs", [])
        )


_CACHE: dict[str, Executed] = {}


def notebook_names() -> list[str]:
    return [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]


def solution_names() -> list[str]:
    """The worked solutions, as names relative to ``notebooks/``: ``solutions/NN_solutions.ipynb``."""
    return [f"solutions/{p.name}" for p in sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb"))]


def run_notebook(name: str, *, timeout: int = 600) -> Executed:
    """Execute ``notebooks/<name>`` in quick mode in a scratch folder (cached per session).

    ``name`` may name a solutions notebook too: ``"solutions/07_solutions.ipynb"``.
    """
    if name in _CACHE:
        return _CACHE[name]
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    workdir = ARTIFACTS / "notebooks" / name.removesuffix(".ipynb")  # solutions/… nests
    workdir.mkdir(parents=True, exist_ok=True)
    marks: list[float] = []
    start = time.perf_counter()
    old = os.environ.get("NST_MODE")
    os.environ["NST_MODE"] = "quick"  # the kernel inherits it at start
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            extra_arguments=provenance.KERNEL_ARGS,  # which cells use which example images: the site's
            resources={"metadata": {"path": str(workdir)}},
            on_cell_executed=lambda **kw: marks.append(time.perf_counter()),
        )
        client.execute()
        provenance.collect(nb)  # the notes leave the outputs for the cell's metadata
    finally:
        if old is None:
            os.environ.pop("NST_MODE", None)
        else:
            os.environ["NST_MODE"] = old
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    snapshot = json.loads(text.split(MARKER, 1)[1]) if MARKER in text else {}
    nb.cells.pop()
    nbformat.write(nb, workdir / NOTEBOOKS.joinpath(name).name)  # executed copy, to look at after a failure
    cell_seconds = [b - a for a, b in zip([start, *marks[:-1]], marks)]
    _CACHE[name] = Executed(name, nb, snapshot, seconds, cell_seconds)
    timings = ARTIFACTS / "notebook_timings.json"
    recorded = json.loads(timings.read_text()) if timings.exists() else {}
    recorded[name] = round(seconds, 1)
    timings.write_text(json.dumps(recorded, indent=1, sort_keys=True))
    return _CACHE[name]
