"""Every notebook: committed clean, built to the course's pattern, and runs top to bottom in quick mode.

Per-notebook checks of what a notebook computed live in ``test_nb_*.py`` beside this file.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.notebooks.harness import NOTEBOOKS, notebook_names, run_notebook

NAMES = notebook_names()


def _source(nb, cell_type=None) -> str:
    return "\n".join(c.source for c in nb.cells if cell_type is None or c.cell_type == cell_type)


def test_notebooks_are_numbered_in_sequence():
    numbers = [int(name[:2]) for name in NAMES]
    assert numbers == list(range(1, len(NAMES) + 1))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_clean(name):
    import sys

    sys.path.insert(0, str(NOTEBOOKS.parent / "tools"))
    from notebooks import problems

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert problems(nb) == [], "run `python tools/notebooks.py clean`"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_follows_the_course_pattern(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    first, last_md = nb.cells[0], [c for c in nb.cells if c.cell_type == "markdown"][-1]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "a title first"
    assert re.search(r"\*\*Goal", first.source), "the first cell states the goal"
    code = _source(nb, "code")
    assert "import helpers" in code and "helpers.notebook_setup(" in code, "a setup cell"
    assert "Summary" in _source(nb, "markdown") and "Exercises" in _source(nb, "markdown")
    assert "Exercises" in last_md.source or "Exercise" in last_md.source


@pytest.mark.notebooks
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_in_quick_mode(name):
    executed = run_notebook(name)
    errors = [
        o for c in executed.notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
    assert executed.snapshot, "the probe cell ran after the last cell"
