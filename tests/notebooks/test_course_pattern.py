"""Every notebook: committed clean, built to the course's pattern, and runs top to bottom in quick mode.

Per-notebook checks of what a notebook computed live in ``test_nb_*.py`` beside this file.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.notebooks.harness import NOTEBOOKS, notebook_names, run_notebook, solution_names
from tools.notebooks import all_notebooks, problems

NAMES = notebook_names()


def _source(nb, cell_type=None) -> str:
    return "\n".join(c.source for c in nb.cells if cell_type is None or c.cell_type == cell_type)


def test_notebooks_are_numbered_in_sequence():
    numbers = [int(name[:2]) for name in NAMES]
    assert numbers == list(range(1, len(NAMES) + 1))


@pytest.fixture(scope="module")
def unclean() -> dict:
    """nbstripout --verify over every notebook at once (one process), plus the kernelspec rule."""
    return problems(all_notebooks())


@pytest.mark.parametrize("name", NAMES + solution_names())
def test_notebook_is_committed_clean(name, unclean):
    assert unclean[NOTEBOOKS / name] == [], "run `python tools/notebooks.py clean`"


def test_clean_strips_what_a_saved_session_leaves_and_check_passes_after(tmp_path):
    """An executed, edited notebook (outputs, counts, editor metadata, an attachment, another
    kernel) comes back to the committed form: only the cell tags stay."""
    from tools.notebooks import KERNELSPEC, clean

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T", id="a"), nbformat.v4.new_code_cell("1 + 1", id="b")]
    committed = tmp_path / "committed.ipynb"
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nb.cells[1].metadata = {"tags": ["keep"]}
    nbformat.write(nb, committed)
    nb.cells[0].attachments = {"a.png": {"image/png": "iVBORw0KGgo="}}
    nb.cells[0].metadata = {"slideshow": {"slide_type": "slide"}}
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    nb.cells[1].execution_count = 1
    nb.cells[1].metadata.update(ExecuteTime={"end_time": "x"}, vscode={"languageId": "python"})
    nb.metadata.update(
        kernelspec={"name": "nst-course", "display_name": "Python 3 (nst-course)", "language": "python"},
        language_info={"name": "python", "version": "3.11.4", "pygments_lexer": "ipython3"},
        widgets={"application/vnd.jupyter.widget-state+json": {}},
        vscode={"interpreter": {"hash": "0"}},
    )
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    assert len(problems([saved])[saved]) == 2  # nbstripout's finding and the kernel
    clean([saved])
    assert saved.read_bytes() == committed.read_bytes()  # (each nbstripout run imports nbformat: seconds)


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
