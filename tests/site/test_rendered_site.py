"""The rendered course (``make site``), built from the notebooks this session already executed.

The notebook tests run every notebook and solution once, in quick mode (``harness.run_notebook``
caches them); this test builds both editions of the site from those runs into
``tests/artifacts/site/`` and opens every page in Debian's Chromium, over HTTP
(``python -m http.server``) and from ``file://``: no console error, no failed request, nothing
fetched from the internet, a figure on every notebook page, no raw TeX once MathJax is done, no
error output. The public edition must hold no output derived from a restricted image, and the
notice in its place. Screenshots go beside the site.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, chromium, free_port, http_status
from tests.conftest import ARTIFACTS
from tests.notebooks.harness import notebook_names, run_notebook, solution_names

OUT = ARTIFACTS / "site"
RESTRICTED = "femme_nue_assise"
TIMINGS: dict[str, float] = {}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: install Debian's with `make chromium`, or set CHROMIUM=/path"
    for module in ("playwright", "nbconvert", "mathjax"):
        if importlib.util.find_spec(module) is None:
            return f"the site test needs {module}: pip install -e '.[site,test]'"
    return None


pytestmark = [
    pytest.mark.site,
    pytest.mark.timeout(1800),  # when run alone it executes every notebook first
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]


@pytest.fixture(scope="module")
def executed() -> dict:
    """Every notebook and solution, executed in quick mode (from the session's cache when there)."""
    names = notebook_names() + solution_names()
    return {name.removesuffix(".ipynb"): run_notebook(name).notebook for name in names}


@pytest.fixture(scope="module")
def sites(executed) -> dict[str, dict[str, int]]:
    from helpers.imaging import provenance
    from tools import site_build

    start = time.monotonic()
    built = {"full": site_build.build(executed, OUT / "full", mode="quick")}
    TIMINGS["build_s"] = round(time.monotonic() - start, 1)
    # The public edition differs only where a restricted image was used: those, and one without.
    chosen = {n: nb for n, nb in executed.items() if RESTRICTED in provenance.images_used(nb)}
    chosen["02_images_as_tensors"] = executed["02_images_as_tensors"]
    built["public"] = site_build.build(chosen, OUT / "public", public=True, mode="quick")
    TIMINGS["build_public_s"] = round(time.monotonic() - start - TIMINGS["build_s"], 1)
    return built


@pytest.fixture(scope="module")
def server(sites):
    """``python -m http.server`` on a free loopback port, serving the artifacts' site folder."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(OUT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if http_status(f"{base}/full/index.html") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()  # our own PID only
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile"), width=1280, height=900) as context:
        yield context


# Text a reader sees outside code: what MathJax left of the Markdown (cells and outputs).
VISIBLE_PROSE = """() => [...document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon')]
  .map(el => { const c = el.cloneNode(true);
    c.querySelectorAll('pre, code, script, mjx-container').forEach(x => x.remove());
    return c.textContent; }).join('\\n')"""
FIGURES = """() => [...document.querySelectorAll('.jp-OutputArea-output img')]
  .filter(img => img.complete && img.naturalWidth > 0).length"""
BROKEN_IMAGES = """() => [...document.images]
  .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src.slice(0, 80))"""


def visit(browser, url: str, *, notebook: bool) -> dict:
    """Open ``url``; what went wrong, what it shows. External requests are refused and reported."""
    page = browser.new_page()
    problems: list[str] = []
    local = url.split("/")[0] + "//" + url.split("/")[2] if url.startswith("http") else "file://"
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url[:100]} {r.failure}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def only_local(route):
        if route.request.url.startswith((local, "data:")):
            route.continue_()
        else:
            problems.append(f"external request: {route.request.url}")
            route.abort()

    page.route("**/*", only_local)
    page.goto(url, wait_until="load")
    if notebook:
        page.wait_for_selector("html[data-math=done]", timeout=60_000)
    seen = {
        "problems": problems,
        "figures": page.evaluate(FIGURES),
        "broken": page.evaluate(BROKEN_IMAGES),
        "prose": page.evaluate(VISIBLE_PROSE),
        "math": page.locator("mjx-container svg").count(),
        "text": page.inner_text("body"),
        "page": page,
    }
    return seen


def test_every_page_loads_offline_with_figures_typeset_math_and_no_errors(sites, server, browser):
    start = time.monotonic()
    pages = sites["full"]
    assert len(pages) == len(notebook_names()) + len(solution_names()) + 1, sorted(pages)
    solutions = {f"{n.removesuffix('.ipynb').rsplit('/', 1)[-1]}.html" for n in solution_names()}
    seen_math = 0
    for name in pages:
        notebook = name != "index.html"
        seen = visit(browser, f"{server}/full/{name}", notebook=notebook)
        assert not seen["problems"], (name, seen["problems"])
        assert not seen["broken"], (name, seen["broken"])
        assert "$$" not in seen["prose"] and "\\mathcal" not in seen["prose"], (name, "raw TeX")
        assert "Traceback (most recent call last)" not in seen["text"], name
        if notebook and name not in solutions:
            assert seen["figures"] >= 1, f"{name} shows no figure"
            assert "Download the notebook" in seen["text"] and "Course index" in seen["text"]
        seen_math += seen["math"]
        if name == "index.html":
            seen["page"].screenshot(path=str(OUT / "index.png"))
            assert seen["figures"] == 0 and len(seen["page"].locator("img").all()) == 5  # the gallery
        if name == "07_style_transfer.html":
            figure = seen["page"].locator(".jp-Cell", has_text="figures.figure2(").locator("img").first
            figure.scroll_into_view_if_needed()
            seen["page"].screenshot(path=str(OUT / "07_style_transfer.png"))
        seen["page"].close()
    assert seen_math > 50  # MathJax typeset the course's equations (SVG output, no web fonts)
    for name in ("index.html", "07_style_transfer.html"):  # straight from the disk too
        seen = visit(browser, (OUT / "full" / name).as_uri(), notebook=name != "index.html")
        assert not seen["problems"] and not seen["broken"], (name, seen["problems"], seen["broken"])
        seen["page"].close()
    TIMINGS["browser_s"] = round(time.monotonic() - start, 1)
    assert (OUT / "index.png").stat().st_size > 20_000


def test_no_page_holds_an_error_output_and_links_lead_to_pages(executed, sites):
    from tools import site_build

    pages = [(site_build.page_name(name), name) for name in executed]
    for name, nb in executed.items():
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, name
    for page in (OUT / "full").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r'href="([^"#:]+)(?:#[^"]*)?"', text):
            assert (OUT / "full" / target).exists(), f"{page.name} links to missing {target}"
        if page.name != "index.html":  # the download is the clean notebook itself
            (download,) = set(re.findall(r'href="([^"]+)"[^>]*>Download the notebook', text))
            assert download == f"notebooks/{dict(pages)[page.name]}.ipynb", (page.name, download)
            assert json.loads((OUT / "full" / download).read_text())["cells"]


def _images(html_text: str) -> set[str]:
    return set(re.findall(r'src="data:image/[a-z+]+;base64,([^"]{40,})"', html_text))


def test_public_edition_leaves_out_every_output_derived_from_a_restricted_image(executed, sites, browser):
    from helpers.imaging import provenance
    from tools import site_build

    # The kernel's notes, end to end: notebook 01's gallery loads every catalogue image, each at its line.
    gallery_cell = next(c for c in executed["01_setup_and_tour"].cells if "helpers.gallery(" in c.source)
    noted = {n["image"] for n in gallery_cell.metadata[provenance.KEY]}
    assert RESTRICTED in noted and all(n["line"] for n in gallery_cell.metadata[provenance.KEY])
    # Which outputs are derived: the images the full edition shows from those cells.
    derived_images: dict[str, set[str]] = {}
    for name, nb in executed.items():
        cells = provenance.derived_images(nb, {RESTRICTED})
        prepared, _ = site_build.prepare(nb, public=False)
        derived_images[name] = {
            o["data"]["image/png"].strip().replace("\n", "")[:200]
            for i in cells
            for o in prepared.cells[i].outputs
            if "image/png" in o.get("data", {})
        }
    # The known ones: 01's gallery, 07's Fig. 2 (panel E), the Picasso exercise of 07's solutions.
    for name, snippet in [
        ("01_setup_and_tour", "helpers.gallery("),
        ("07_style_transfer", "figures.figure2("),
        ("solutions/07_solutions", '"femme_nue_assise"'),
    ]:
        index = next(i for i, c in enumerate(executed[name].cells) if snippet in c.source)
        assert index in provenance.derived_images(executed[name], {RESTRICTED}), (name, snippet)
        assert derived_images[name], name
    public = sites["public"]
    assert {"01_setup_and_tour.html", "07_style_transfer.html", "07_solutions.html"} <= set(public)
    for name, nb in executed.items():
        if site_build.page_name(name) not in public:
            assert RESTRICTED not in provenance.images_used(nb)  # never loaded, so never shown
            continue
        page = site_build.page_name(name)
        text = (OUT / "public" / page).read_text(encoding="utf-8")
        shown = {image[:200] for image in _images(text)}
        assert not derived_images[name] & shown, f"{page} shows an image derived from {RESTRICTED}"
        if derived_images[name]:
            assert public[page] > 0 and "Left out of the public edition" in text, page
            assert "Not shown in this public edition" in text  # the credits say so too
        else:
            assert public[page] == 0 and _images(text) == _images((OUT / "full" / page).read_text()), page
    seen = visit(browser, (OUT / "public" / "01_setup_and_tour.html").as_uri(), notebook=True)
    assert not seen["problems"], seen["problems"]
    notice = seen["page"].locator(".nst-withheld").first
    notice.scroll_into_view_if_needed()
    seen["page"].screenshot(path=str(OUT / "01_setup_and_tour_public.png"))
    seen["page"].close()


def test_pages_that_show_the_example_images_credit_them(executed, sites):
    from helpers.imaging import catalog, provenance

    credited = 0
    for name, nb in executed.items():
        text = (OUT / "full" / f"{name.rsplit('/', 1)[-1]}.html").read_text(encoding="utf-8")
        for image in provenance.images_used(nb):
            entry = catalog.lookup(image)
            assert entry.artist in text and entry.licence in text, (name, image)
            credited += 1
    assert credited >= 10
    (OUT / "timings.json").write_text(json.dumps(TIMINGS, indent=1))
