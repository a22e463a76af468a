"""Build the rendered course: a static site of the executed notebooks that works offline.

    python -m tools.site_build [--rendered DIR] [--out DIR] [--public] [--mode MODE]

reads the executed notebooks in ``DIR`` (``make site`` runs them into ``rendered/``, the solutions
into ``rendered/solutions/``) and writes ``DIR/site``: ``index.html`` (the course table, the plan
for teaching it and the gallery, from README.md), one page per notebook and per worked solution,
``notebooks/`` (the clean notebooks to download) and ``_static/`` (the style sheet, the gallery and
MathJax). Every page opens from ``file://`` and over HTTP and fetches nothing from the internet.

Why nbconvert's HTML exporter (pyproject's ``site`` extra says more): it is already installed with
JupyterLab, needs no Node, and draws every output exactly as JupyterLab does. Its templates load
require.js, MathJax, mermaid and the widget manager from CDNs; the ``nst`` template
(``tools/site_template/``) drops them and loads MathJax 3 from ``_static/`` (one file, with SVG
output: no web fonts, which ``file://`` pages may not load).

``--public`` leaves out every output that may show an image the catalogue marks as not
redistributable (``helpers.imaging.provenance`` says which: the notes the kernel took while the
notebook ran, followed through the notebook's variables) and shows a notice in its place. Every
page credits the catalogue images its notebook used.
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import re
import shutil
import sys
from pathlib import Path

from helpers.imaging import catalog, provenance
from tools.site_index import index_page, page_shell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "site_template"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
WIDGET = "application/vnd.jupyter.widget-view+json"


def page_name(name: str) -> str:
    """``"solutions/07_solutions"`` -> ``"07_solutions.html"``: every page sits beside the index."""
    return f"{name.rsplit('/', 1)[-1]}.html"


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if found:
                return found.group(1).strip()
    return "Notebook"


def _shows_image(output) -> bool:
    data = output.get("data", {})
    markup = str(data.get("text/html", "")) + str(data.get("text/markdown", ""))
    return any(kind in data for kind in IMAGE_TYPES) or "<img" in markup or "![" in markup


def _notice(images: set[str]) -> dict:
    import nbformat

    works = "; ".join(
        f"{html.escape(e.artist)}, “{html.escape(e.title)}” ({html.escape(e.licence)})"
        for e in map(catalog.lookup, sorted(images))
    )
    text = (
        f'<div class="nst-withheld"><strong>Left out of the public edition:</strong> this output may '
        f"show {works}, which may not be redistributed. Run the notebook to see it.</div>"
    )
    return nbformat.v4.new_output("display_data", data={"text/html": text, "text/plain": "[left out]"})


def _static_output(output):
    """What a page can show of ``output``: a widget needs a live kernel, so a progress bar goes and
    a panel leaves a note; anything else stays."""
    import nbformat

    if WIDGET not in output.get("data", {}):
        return output
    if re.search(r"\d+%\|", str(output["data"].get("text/plain", ""))):  # tqdm's "  0%|" bar
        return None
    note = (
        '<div class="nst-widget">An interactive panel stands here when the notebook runs in Jupyter: '
        "download the notebook to use it.</div>"
    )
    return nbformat.v4.new_output("display_data", data={"text/html": note, "text/plain": "[panel]"})


def prepare(nb, *, public: bool) -> tuple[object, int]:
    """A copy of ``nb`` ready for the page: widget views (which need a live kernel) and the
    kernel's notes removed, and in a public build every output that may show a restricted image
    replaced by a notice. Returns the copy and the number of outputs left out."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # no widget manager on a static page
    provenance.collect(nb)
    restricted = {e.name for e in catalog.catalog().values() if not e.redistributable}
    withheld = provenance.derived_images(nb, restricted) if public else {}
    left_out = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = [_static_output(o) for o in cell.outputs]
        outputs = [o for o in outputs if o is not None]
        if index in withheld:
            kept = [o for o in outputs if not _shows_image(o)]
            if len(kept) < len(outputs):
                left_out += len(outputs) - len(kept)
                kept.append(_notice(withheld[index]))
            outputs = kept
        cell.outputs = outputs
    return nb, left_out


def credits_html(nb, *, public: bool) -> str:
    """The credits of every catalogue image the notebook used ("" when none)."""
    used = [catalog.lookup(name) for name in provenance.images_used(nb)]
    if not used:
        return ""
    items = []
    for e in used:
        withheld = " Not shown in this public edition." if public and not e.redistributable else ""
        items.append(
            f"<li>{html.escape(e.artist)}, “{html.escape(e.title)}” ({html.escape(e.year)}); "
            f'{html.escape(e.licence)}. <a href="{html.escape(e.url)}">Source</a>.{withheld}</li>'
        )
    return '<section class="nst-credits"><h2>Image credits</h2><ul>' + "".join(items) + "</ul></section>"


def _links(text: str, names: list[str]) -> str:
    """Links between notebooks (``02_x.ipynb``, ``solutions/07_solutions.ipynb``, ``../07_x.ipynb``)
    point to their pages."""
    stems = {n.rsplit("/", 1)[-1] for n in names}

    def swap(match: re.Match) -> str:
        stem = match.group(2).rsplit("/", 1)[-1]
        return f'href="{stem}.html{match.group(3) or ""}"' if stem in stems else match.group(0)

    return re.sub(r'href="((?:\.\./|solutions/)?(\d\d_\w+))\.ipynb(#[^"]*)?"', swap, text)


def _nav(name: str, names: list[str], title: str) -> str:
    """The bar above and below a page: the index, the neighbours, the solutions, the download."""
    course = [n for n in names if not n.startswith("solutions/")]
    links = ['<a href="index.html">Course index</a>']
    if name.startswith("solutions/"):
        of = next((n for n in course if n[:2] == name.split("/")[-1][:2]), None)
        links += [f'<a rel="up" href="{page_name(of)}">Back to {of}</a>'] if of else []
    else:
        at = course.index(name)
        if at > 0:
            links.append(f'<a rel="prev" href="{page_name(course[at - 1])}">← {course[at - 1]}</a>')
        if at + 1 < len(course):
            links.append(f'<a rel="next" href="{page_name(course[at + 1])}">{course[at + 1]} →</a>')
        solution = next((n for n in names if n.startswith(f"solutions/{name[:2]}_")), None)
        links += [f'<a href="{page_name(solution)}">Worked solutions</a>'] if solution else []
    links.append(f'<a class="nst-download" href="notebooks/{name}.ipynb" download>Download the notebook</a>')
    return f'<nav class="nst-nav" aria-label="{html.escape(title)}">{"".join(links)}</nav>'


def exporter():
    """nbconvert's HTML exporter with the ``nst`` template (one for every page: it compiles once)."""
    from nbconvert import HTMLExporter

    made = HTMLExporter(template_name="nst", extra_template_basedirs=[str(TEMPLATES)])
    made.exclude_anchor_links = True
    return made


def notebook_page(
    name: str, nb, names: list[str], *, public: bool, mode: str, html_exporter=None
) -> tuple[str, int]:
    """The HTML of one notebook's page and the number of outputs it leaves out."""
    page_nb, left_out = prepare(nb, public=public)
    header = _nav(name, names, title_of(nb))
    footer = credits_html(nb, public=public) + (
        f'<p class="nst-edition">Executed in {html.escape(mode)} mode'
        + (f"; {left_out} output(s) left out of this public edition" if left_out else "")
        + ".</p>"
    )
    resources = {"nst": {"header": header, "footer": footer}}
    body, _ = (html_exporter or exporter()).from_notebook_node(page_nb, resources=resources)
    return _links(body, names), left_out


def read_rendered(folder: Path) -> dict:
    """The executed notebooks in ``folder`` (and ``folder/solutions``), by name without ``.ipynb``."""
    import nbformat

    found = {}
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb")) + sorted(folder.glob("solutions/[0-9][0-9]_*.ipynb"))
    for path in paths:
        name = path.relative_to(folder).with_suffix("").as_posix()
        found[name] = nbformat.read(path, as_version=4)
    return found


def _static(out: Path) -> None:
    import mathjax  # django-static-mathjax: MathJax 3's files, no Django needed

    static = out / "_static"
    (static / "gallery").mkdir(parents=True, exist_ok=True)
    # One self-contained file: TeX in, SVG out, every TeX extension inside (nothing loaded later).
    shutil.copy(Path(mathjax.__file__).parent / "static/mathjax/es5/tex-svg-full.js", static)
    shutil.copy(TEMPLATES / "site.css", static / "site.css")
    for image in (ROOT / "images" / "gallery").glob("*.png"):
        shutil.copy(image, static / "gallery" / image.name)


def build(notebooks: dict, out: Path, *, public: bool = False, mode: str = "lab") -> dict[str, int]:
    """Write the site for ``notebooks`` (name -> executed notebook) into ``out``; returns each
    written page's name with the number of outputs it left out."""
    if out.exists():
        shutil.rmtree(out)  # no page of an earlier build (or edition) may linger
    out.mkdir(parents=True)
    _static(out)
    names, written, html_exporter = list(notebooks), {}, exporter()
    for name, nb in notebooks.items():
        body, left_out = notebook_page(name, nb, names, public=public, mode=mode, html_exporter=html_exporter)
        (out / page_name(name)).write_text(body, encoding="utf-8")
        source = NOTEBOOKS / f"{name}.ipynb"
        (out / "notebooks" / source.parent.relative_to(NOTEBOOKS)).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, out / "notebooks" / f"{name}.ipynb")  # clean: no output to withhold
        written[page_name(name)] = left_out
    titles = {name: title_of(nb) for name, nb in notebooks.items()}
    index = index_page((ROOT / "README.md").read_text(encoding="utf-8"), titles, public=public, mode=mode)
    title = "Neural style transfer, step by step"
    (out / "index.html").write_text(page_shell(title, index), encoding="utf-8")
    written["index.html"] = 0
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rendered", type=Path, default=ROOT / "rendered", help="the executed notebooks")
    parser.add_argument("--out", type=Path, help="where the site goes (default: RENDERED/site)")
    parser.add_argument("--public", action="store_true", help="leave out outputs of restricted images")
    parser.add_argument("--mode", default=os.environ.get("NST_MODE", "lab"), help="named on each page")
    args = parser.parse_args(argv)
    notebooks = read_rendered(args.rendered)
    if not notebooks:
        sys.exit(f"error: no executed notebooks in {args.rendered}: run `make site` (it executes them)")
    out = args.out or args.rendered / "site"
    written = build(notebooks, out, public=args.public, mode=args.mode)
    left_out = sum(written.values())
    edition = f"public edition, {left_out} output(s) left out" if args.public else "full edition"
    print(f"{len(written)} pages ({edition}) -> {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
