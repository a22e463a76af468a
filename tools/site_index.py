"""The rendered course's index page, made from README.md (one text to keep up to date, not two).

It takes the README's opening, "The course" (the course table and the plans for teaching it and
learning alone) and "Gallery", renders them with mistune (nbconvert's own Markdown parser), and
points their links at the site: notebooks at their pages, the gallery at ``_static/gallery``.
"""

from __future__ import annotations

import html
import re

SECTIONS = ("## The course", "## Gallery")


def _section(readme: str, heading: str) -> str:
    """From ``heading`` to the next heading of the same level."""
    start = readme.index(heading)
    following = re.search(r"^## ", readme[start + len(heading) :], flags=re.MULTILINE)
    return readme[start : start + len(heading) + following.start()] if following else readme[start:]


def _opening(readme: str) -> str:
    """The title's paragraphs, up to the first section."""
    return readme[: readme.index("\n## ")].split("\n", 1)[1]


def _markdown(text: str) -> str:
    import mistune

    return mistune.create_markdown(escape=False, plugins=["table"])(text)


def _site_links(body: str, titles: dict[str, str]) -> str:
    """README links that lead into the repository lead into the site instead."""
    stems = {name.rsplit("/", 1)[-1] for name in titles}
    body = re.sub(r'href="notebooks/([\w]+)\.ipynb', lambda m: f'href="{m.group(1)}.html', body)
    body = body.replace('href="notebooks/solutions/"', 'href="#solutions"')
    body = body.replace('src="images/gallery/', 'src="_static/gallery/')

    # the course table names each notebook in code: make each name a link to its page
    def link(match: re.Match) -> str:
        name = match.group(1)
        return f'<a href="{name}.html"><code>{name}</code></a>' if name in stems else match.group(0)

    return re.sub(r"<code>(\d\d_\w+)</code>", link, body)


def _pages(titles: dict[str, str]) -> str:
    course = [n for n in titles if not n.startswith("solutions/")]
    solutions = [n for n in titles if n.startswith("solutions/")]

    def items(names: list[str]) -> str:
        return "".join(
            f'<li><a href="{n.rsplit("/", 1)[-1]}.html">{html.escape(titles[n])}</a></li>' for n in names
        )

    return (
        f'<section class="nst-pages"><h2>The notebooks</h2><ol class="nst-list">{items(course)}</ol>'
        f'<h3 id="solutions">Worked solutions</h3><ul class="nst-list">{items(solutions)}</ul></section>'
    )


def index_page(readme: str, titles: dict[str, str], *, public: bool, mode: str) -> str:
    """The index's body: the README's opening, the notebooks, the course and the gallery."""
    edition = (
        " This is the public edition: outputs that may show a work the catalogue marks as not "
        "redistributable are left out, with a notice in their place."
        if public
        else ""
    )
    intro = (
        f'<p class="nst-edition">Every notebook of the course, executed in {html.escape(mode)} mode, '
        f"with all its outputs: read it here, or download a notebook to run it yourself.{edition}</p>"
    )
    parts = [_markdown(_opening(readme)), intro, _pages(titles)]
    parts += [_markdown(_section(readme, heading)) for heading in SECTIONS]
    return _site_links("\n".join(parts), titles)


def page_shell(title: str, body: str) -> str:
    """A whole page around ``body``, with the site's style sheet."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n<link rel="stylesheet" href="_static/site.css">\n</head>\n'
        f'<body class="nst-index">\n<main>\n<h1>{html.escape(title)}</h1>\n{body}\n</main>\n'
        "</body>\n</html>\n"
    )
