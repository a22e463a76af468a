"""Which outputs may show a restricted image: the notes a kernel takes, and how they travel."""

from __future__ import annotations

import nbformat

import helpers
from helpers.imaging import catalog, provenance

PICASSO = "femme_nue_assise"


def notebook(*cells: tuple[str, list[dict]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for source, notes in cells:
        cell = nbformat.v4.new_code_cell(source)
        if notes:
            cell.metadata[provenance.KEY] = notes
        nb.cells.append(cell)
    return nb


def note(line: int | None, image: str = PICASSO) -> list[dict]:
    return [{"image": image, "line": line}]


def test_an_image_follows_assignments_methods_and_functions_but_not_unrelated_names():
    nb = notebook(
        ("import helpers\nRUN = {'size': 48}", []),
        ("photo = helpers.load_image('tubingen')\npainting = helpers.load_image('picasso')", note(2)),
        ("photo", []),  # the photo alone: free
        ("x = painting * 2\nhelpers.show(photo)", []),  # a cell reading the painting may show it
        ("shown = []\nshown.append(x)", []),  # a method call fills an object
        ("def pick():\n    return shown[0]", []),
        ("y = pick()", []),  # a function defined earlier reads a variable that holds it
        ("%matplotlib inline\nz = y", []),  # magics are parsed too
        ("helpers.show(photo, RUN['size'])", []),  # module names never hold an image
    )
    assert provenance.derived_images(nb, {PICASSO}) == {
        1: {PICASSO},
        3: {PICASSO},
        4: {PICASSO},
        5: {PICASSO},
        6: {PICASSO},
        7: {PICASSO},
    }


def test_names_local_to_a_comprehension_or_a_function_do_not_carry_an_image():
    nb = notebook(
        ("painting = helpers.load_image('picasso')", note(1)),
        ("pairs = {v: painting for v in range(2)}", []),
        ("def scale(a):\n    local = painting\n    return a", []),  # reads the painting: may pass it on
        ("squares = [v * v for v in range(3)]", []),  # v was the comprehension's own
        ("local = 2\ndef double(a):\n    return 2 * a", []),
        ("double(local)", []),
    )
    assert provenance.derived_images(nb, {PICASSO}) == {0: {PICASSO}, 1: {PICASSO}, 2: {PICASSO}}


def test_a_cell_without_a_line_or_that_cannot_be_parsed_counts_whole():
    nb = notebook(
        ("a = 1\nb = 2", note(None)),  # a background thread: no cell line
        ("c = a", []),
        ("d = 1 +", []),  # a syntax error: it may show anything seen so far
    )
    assert provenance.derived_images(nb, {PICASSO}) == {0: {PICASSO}, 1: {PICASSO}, 2: {PICASSO}}
    assert provenance.derived_images(nb, {"tubingen"}) == {}


def test_collect_moves_the_notes_out_of_the_outputs():
    nb = notebook(("x = 1", []))
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", text="hello\n"),
        nbformat.v4.new_output("display_data", data={provenance.MIME: {"images": note(1, "tubingen")}}),
    ]
    provenance.collect(nb)
    assert [o.output_type for o in nb.cells[0].outputs] == ["stream"]
    assert nb.cells[0].metadata[provenance.KEY] == note(1, "tubingen")
    assert provenance.images_used(nb) == ["tubingen"]


def test_the_catalogue_tells_its_watchers_of_names_and_of_files(images_dir, monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(catalog, "_watchers", [lambda entry: seen.append(entry.name)])
    helpers.load_image("picasso", size=32)
    helpers.load_image(images_dir / catalog.lookup("tubingen").filename, size=32)
    assert seen == [PICASSO, "tubingen"]


def test_outside_a_notebook_cell_a_note_has_no_line():
    assert provenance._cell_line() is None
