"""The paper's whole figures: runs, layout and file in one call.

:func:`figure1`, :func:`figure2`, :func:`figure3` and :func:`figure_init` make a figure's runs
(:mod:`.runs`), lay them out (:mod:`.layout`) and return a :class:`~.saving.PaperFigure`, whose
``save`` writes the PNG and its JSON. ``python -m helpers figures`` (and ``make figures``) calls
:func:`render`; the README's gallery comes from :func:`render_gallery`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ...base.config import quick_mode
from ...base.errors import SettingsError
from ...core.optimize import Progress
from ...core.result import Result
from ...imaging.catalog import lookup
from ...imaging.files import write_json
from ...imaging.images import load_image
from .layout import credit, plot_figure1, plot_figure2, plot_initialisation, plot_tradeoffs
from .runs import (
    FIG2_PANELS,
    FIG3_RATIOS,
    FIGURES,
    GROWING_STYLE_SETS,
    INIT_SEEDS,
    content_reconstruction_runs,
    default_run,
    initialisation_runs,
    style_reconstruction_runs,
    style_transfer_runs,
    tradeoff_runs,
)
from .saving import PaperFigure, regenerate_command, versions


def _timed(name: str, make: Callable[[], tuple], run: dict) -> PaperFigure:
    start = time.perf_counter()
    fig, results, panels = make()
    return PaperFigure(name, fig, results, panels, run, time.perf_counter() - start)


def _with_defaults(figure: str, run: dict) -> dict:
    """``run`` with the figure's defaults (size, steps) where missing or None."""
    merged = {key: value for key, value in run.items() if value is not None}  # None: stylize's default
    for key, value in default_run(figure).items():
        merged.setdefault(key, value)
    return merged


def figure1(
    content: object = "tubingen", style: object = "starry_night", *, progress: Progress = True, **run
) -> PaperFigure:
    """arXiv Fig. 1: content reconstructions (conv1_1 ... conv5_1) and style reconstructions."""
    run = _with_defaults("1", run)

    def make():
        shape = tuple(load_image(content, run["size"]).shape[-2:])
        c = content_reconstruction_runs(content, progress=progress, **run)
        s = style_reconstruction_runs(style, content_shape=shape, progress=progress, **run)
        results = {f"style {k}": v for k, v in s.items()} | {f"content {k}": v for k, v in c.items()}
        panels = {f"style {k}": {"row": "style", "layers": k} for k in s}
        panels |= {f"content {k}": {"row": "content", "layers": k} for k in c}
        return plot_figure1(c, s, content=content, style=style), results, panels

    return _timed("1", make, run)


def figure2(
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    *,
    done: Mapping[str, Result] | None = None,
    insets: bool = True,
    progress: Progress = True,
    **run,
) -> PaperFigure:
    """arXiv Fig. 2: the photo (A) after Turner, van Gogh, Munch (1e-3), Picasso, Kandinsky (1e-4)."""
    run = _with_defaults("2", run)

    def make():
        results = style_transfer_runs(content, panels, done=done, progress=progress, **run)
        fig = plot_figure2(results, content=content, panels=panels, insets=insets)
        meta = {letter: {"style": style, "ratio": ratio} for letter, style, ratio in panels}
        return fig, results, meta

    return _timed("2", make, run)


def figure3(
    content: object = "tubingen",
    style: object = "composition_vii",
    *,
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    ratios: Sequence[float] = FIG3_RATIOS,
    progress: Progress = True,
    **run,
) -> PaperFigure:
    """arXiv Fig. 3: Composition VII, layer sets (rows) against alpha/beta (columns)."""
    run = _with_defaults("3", run)

    def make():
        grid = tradeoff_runs(content, style, layer_sets, ratios, progress=progress, **run)
        _, title = credit(style)
        fig = plot_tradeoffs(grid, title=f"Fig. 3: {title}, layer sets against α/β")
        results = {f"{row} @ {ratio:g}": r for (row, ratio), r in grid.items()}
        panels = {f"{row} @ {ratio:g}": {"layers": row, "ratio": ratio} for row, ratio in grid}
        return fig, results, panels

    return _timed("3", make, run)


def figure_init(
    content: object = "tubingen",
    style: object = "starry_night",
    *,
    seeds: Sequence[int] | None = None,
    progress: Progress = True,
    **run,
) -> PaperFigure:
    """CVPR Fig. 6: from the content image, from the style image, from faint noise (four seeds)."""
    run = _with_defaults("init", run)
    first = int(run.get("seed", 0))
    seeds = tuple(range(first, first + INIT_SEEDS)) if seeds is None else tuple(seeds)

    def make():
        results = initialisation_runs(content, style, seeds, progress=progress, **run)
        panels = {key: {"init": key.split()[0]} for key in results}
        return plot_initialisation(results), results, panels

    return _timed("init", make, run)


MAKERS: dict[str, Callable[..., PaperFigure]] = {
    "1": figure1,
    "2": figure2,
    "3": figure3,
    "init": figure_init,
}


def render(
    figures: Sequence[str] = FIGURES,
    folder: str | Path = "images/figures",
    *,
    progress: Progress = True,
    **run,
) -> list[Path]:
    """Render figures into ``folder`` (PNG + JSON each), one finished figure at a time."""
    unknown = [f for f in figures if f not in MAKERS]
    if unknown:
        raise SettingsError(f"unknown figure(s) {', '.join(unknown)}: use {', '.join(FIGURES)} or all")
    written = []
    for name in figures:
        figure = MAKERS[name](progress=progress, **run)
        try:
            written.append(figure.save(folder))
        finally:
            figure.close()
    return written


def render_gallery(folder: str | Path = "images/gallery", *, progress: Progress = True, **run) -> list[Path]:
    """The README's gallery: Fig. 2's renderings B-F alone and Fig. 3's grid, as small PNGs.

    Renderings after a painting still under copyright (Picasso's, panel E) are left out: they are
    derivative works. No copy of the photo or the paintings is written: Fig. 2's panels are saved without the
    photo and without insets (each with its JSON), and Fig. 3's grid holds only renderings.
    """
    folder = Path(folder)
    written = []
    fig2 = figure2(progress=progress, insets=False, **run)
    fig2.close()
    # Size and steps only where given: Fig. 3 has its own defaults.
    given = {k: v for k, v in fig2.command_run().items() if k not in ("size", "steps") or run.get(k)}
    command = regenerate_command("gallery", given)
    for letter, style, ratio in FIG2_PANELS:
        if not lookup(style).redistributable:  # a rendering is a derivative of the painting
            continue
        result = fig2.results[letter]
        path = result.save(folder / f"fig2_{letter}_{style}.png", settings=False)
        about = {"figure": "2", "panel": letter, "style": style, "ratio": ratio, "command": command}
        extra = {"versions": versions(), "quick_mode": quick_mode()}
        write_json({**about, **result.summary(), **extra}, path.with_suffix(".json"))
        written.append(path)
    fig3 = figure3(progress=progress, **run)
    try:
        written.append(fig3.save(folder, stem="fig3_composition_vii", palette=True))
    finally:
        fig3.close()
    return written
