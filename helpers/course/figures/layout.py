"""How the paper's figures are laid out: labelled grids, panel letters, insets, the frames of a run.

Each ``plot_*`` function takes the results of :mod:`~helpers.course.figures.runs` and returns a
matplotlib figure shaped to its images; :func:`grid_labels` reads back what a figure shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.patheffects as path_effects
import torch

from ...base.errors import ImageNotFoundError, SettingsError
from ...core.result import Result
from ...imaging.catalog import lookup
from ...imaging.images import load_image
from ..plotting import image_grid
from .runs import FIG2_PANELS

CELL_INCHES = 2.6


def ratio_label(ratio: float) -> str:
    """``α/β = 1e-3``: how the paper's ratios are labelled."""
    mantissa, exponent = f"{ratio:.0e}".split("e")
    return f"α/β = {mantissa}e{int(exponent)}"


def credit(source: object) -> tuple[str, str]:
    """(artist, title) of a catalogue image, or the source's name for a file of yours."""
    try:
        entry = lookup(str(source))
    except ImageNotFoundError:
        return "", Path(str(source)).stem
    return entry.artist, entry.title


class Frames:
    """A :func:`stylize` callback that keeps the image every ``every`` steps, to watch a run form.

    ``stylize(..., callback=frames)``, then ``frames.plot()`` shows the strip. The images are the
    optimiser's current iterates (clamped to [0, 1]), so early frames show the faint noise it starts from.
    """

    def __init__(self, every: int = 25) -> None:
        if every < 1:
            raise SettingsError(f"every must be at least 1, got {every}")
        self.every = int(every)
        self.steps: list[int] = []
        self.images: list[torch.Tensor] = []
        self.losses: list[dict] = []

    def __call__(self, step: int, image: torch.Tensor, losses: dict) -> None:
        if step == 1 or step % self.every == 0:
            self.steps.append(step)
            self.images.append(image.detach().float().cpu().clone())
            self.losses.append(dict(losses))

    def __len__(self) -> int:
        return len(self.images)

    def plot(self, *, most: int = 8, cell: float = 2.0):
        """The frames in one labelled row (at most ``most``, evenly spaced, always the last)."""
        if not self.images:
            raise SettingsError("no frames recorded yet: pass this object as stylize(callback=...)")
        picks = sorted({round(i * (len(self) - 1) / max(1, most - 1)) for i in range(min(most, len(self)))})
        fig = image_grid(
            [[self.images[i] for i in picks]],
            col_labels=[f"step {self.steps[i]}" for i in picks],
            cell=cell,
        )
        return _fit(fig, 1, len(picks), _aspect(self.images), cell=cell)


def _axes(fig, n_cols: int, row: int, col: int):
    return fig.axes[row * n_cols + col]


def _fit(fig, rows: int, cols: int, aspect: float, *, cell: float = CELL_INCHES):
    """Shrink a grid's height to its images' aspect (h / w), leaving room for the labels."""
    fig.set_size_inches(cell * cols, cell * aspect * rows + 0.45 * rows + 0.5)
    fig.tight_layout()
    return fig


def _aspect(images) -> float:
    h, w = next(iter(images)).shape[-2:]
    return h / w


def _letter(ax, letter: str) -> None:
    """A panel letter in the top-left corner, white with a dark outline (readable on any image)."""
    ax.text(
        0.03,
        0.97,
        letter,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=14,
        fontweight="bold",
        color="white",
        gid="panel-letter",
        path_effects=[path_effects.withStroke(linewidth=2.5, foreground="black")],
    )


def add_inset(ax, image: torch.Tensor, *, height: float = 0.38, label: str = "inset"):
    """Draw ``image`` in the lower-left corner of a panel, as the paper shows each painting.

    ``height`` is the inset's share of the panel height; its width follows the image's aspect.
    Returns the inset axes (its label is ``label``, for tests and later styling).
    """
    panel_h, panel_w = (ax.get_images()[0].get_array().shape[:2]) if ax.get_images() else (1, 1)
    h, w = image.shape[-2:]
    width = min(0.5, height * (w / h) * (panel_h / panel_w))
    inset = ax.inset_axes([0.0, 0.0, width, height])
    inset.imshow(image[0].permute(1, 2, 0).clamp(0, 1).numpy(), aspect="auto")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_edgecolor("white")
        spine.set_linewidth(1.5)
    inset.set_label(label)
    return inset


def plot_figure1(
    content_results: dict[str, Result],
    style_results: dict[str, Result],
    *,
    content: object | None = None,
    style: object | None = None,
):
    """Style reconstructions (top row) above content reconstructions (bottom row), labelled.

    Given ``content`` and ``style`` (the inputs), they open each row as in the paper.
    """
    inputs = content is not None and style is not None
    shape = next(iter(content_results.values())).image.shape[-2:] if content_results else None
    top = [r.image for r in style_results.values()]
    bottom = [r.image for r in content_results.values()]
    top_titles, bottom_titles = list(style_results), list(content_results)
    if inputs:
        size = max(shape) if shape else None
        top = [load_image(style, size), *top]
        bottom = [load_image(content, size), *bottom]
        top_titles = ["style image", *top_titles]
        bottom_titles = ["content image", *bottom_titles]
    fig = image_grid(
        [top, bottom],
        row_labels=["style reconstructions", "content reconstructions"],
        col_labels=top_titles,
        title="Fig. 1: what each layer keeps of content and style",
    )
    n_cols = max(len(top), len(bottom))
    for c, title in enumerate(bottom_titles):
        _axes(fig, n_cols, 1, c).set_title(title, fontsize=10)
    return _fit(fig, 2, n_cols, _aspect(bottom or top))


def plot_figure2(
    results: dict[str, Result],
    *,
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    insets: bool = True,
):
    """Fig. 2: the photo (A) and its renderings (B-F), lettered, each painting inset bottom-left.

    The photo and the paintings are loaded here, at run time; only the renderings are results.
    """
    shape = next(iter(results.values())).image.shape[-2:]
    size = max(shape)
    cells: list = [load_image(content, size)] + [results[letter].image for letter, _, _ in panels]
    n_cols = 3
    rows = [cells[i : i + n_cols] for i in range(0, len(cells), n_cols)]
    artist, title = credit(content)
    fig = image_grid(rows, title=f"Fig. 2: {title}, after {len(panels)} paintings")
    captions = [f"{title}\nphoto: {artist}" if artist else title]
    for _, style, ratio in panels:
        s_artist, s_title = credit(style)
        captions.append(f"{s_title}\n{s_artist + ' · ' if s_artist else ''}{ratio_label(ratio)}")
    for i, caption in enumerate(captions):
        ax = _axes(fig, n_cols, i // n_cols, i % n_cols)
        _letter(ax, "ABCDEF"[i])
        ax.set_xlabel(caption, fontsize=8)
        if i and insets:
            _, style, _ = panels[i - 1]
            add_inset(ax, load_image(style, max(size, 64)), label=f"inset {style}")
    return _fit(fig, len(rows), n_cols, _aspect(cells))


def plot_tradeoffs(results: dict[tuple[str, float], Result], *, title: str | None = None):
    """Fig. 3's grid: one row per layer set, one column per alpha/beta."""
    rows = list(dict.fromkeys(key[0] for key in results))
    ratios = list(dict.fromkeys(key[1] for key in results))
    grid = [[results[(row, ratio)].image for ratio in ratios] for row in rows]
    fig = image_grid(grid, row_labels=rows, col_labels=[ratio_label(r) for r in ratios], title=title)
    return _fit(fig, len(rows), len(ratios), _aspect(r.image for r in results.values()))


def plot_initialisation(results: dict[str, Result]):
    """CVPR Fig. 6 in one row: from the content (A), the style (B), faint noise (C, one per seed)."""
    labels = []
    for key in results:
        if key == "content":
            labels.append("A: from the content")
        elif key == "style":
            labels.append("B: from the style")
        else:
            labels.append(f"C: {key.replace('noise', 'faint noise, seed')}")
    fig = image_grid(
        [[r.image for r in results.values()]],
        col_labels=labels,
        title="CVPR Fig. 6: where the optimisation starts",
    )
    return _fit(fig, 1, len(labels), _aspect(r.image for r in results.values()))


def grid_labels(fig) -> dict:
    """The labels a grid figure shows: titles, row labels, panel letters, insets (for tests)."""
    panels = [ax for ax in fig.axes if ax.get_images()]
    return {
        "panels": len(panels),
        "titles": [ax.get_title() for ax in panels],
        "row_labels": [ax.get_ylabel() for ax in panels if ax.get_ylabel()],
        "captions": [ax.get_xlabel() for ax in panels if ax.get_xlabel()],
        "letters": [t.get_text() for ax in panels for t in ax.texts if t.get_gid() == "panel-letter"],
        "insets": [child.get_label() for ax in panels for child in ax.child_axes],
        "suptitle": fig.get_suptitle(),
    }
