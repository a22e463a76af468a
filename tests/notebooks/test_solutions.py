"""The worked solutions: one notebook per course notebook, one section per exercise, clean, and
every solution runs in quick mode (a solution to a checked exercise asserts that its check passes)."""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.notebooks.harness import NOTEBOOKS, notebook_names, run_notebook, solution_names

COURSE = notebook_names()
SOLUTIONS = solution_names()
EXERCISE = re.compile(r"\*\*Exercise (\d+)[.:]")
SECTION = re.compile(r"^## Exercise (\d+)\b", re.MULTILINE)


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _solution_for(course_name: str) -> str:
    return f"solutions/{course_name[:2]}_solutions.ipynb"


def test_every_course_notebook_has_its_solutions():
    assert sorted(SOLUTIONS) == sorted(_solution_for(name) for name in COURSE)


@pytest.mark.parametrize("name", COURSE)
def test_every_exercise_has_a_worked_solution(name):
    exercises = EXERCISE.findall(_markdown(nbformat.read(NOTEBOOKS / name, as_version=4)))
    assert exercises, f"{name}: exercises are written **Exercise N.** in bold"
    assert [int(n) for n in exercises] == list(range(1, len(exercises) + 1))
    solution = nbformat.read(NOTEBOOKS / _solution_for(name), as_version=4)
    assert SECTION.findall(_markdown(solution)) == exercises


@pytest.mark.parametrize("name", SOLUTIONS)
def test_solution_links_back_and_sets_up_like_the_course(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert re.search(r"\.\./\d\d_\w+\.ipynb", first.source), "the title cell links to its notebook"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import helpers" in code and "helpers.notebook_setup(" in code


@pytest.mark.notebooks
@pytest.mark.parametrize("name", SOLUTIONS)
def test_solution_runs_in_quick_mode(name):
    executed = run_notebook(name)
    errors = [
        o for c in executed.notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors, errors[0]["ename"] + ": " + errors[0]["evalue"] if errors else ""
