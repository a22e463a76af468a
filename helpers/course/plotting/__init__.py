"""Plots for the notebooks, so that a code cell stays a few lines long: images in a row or a
labelled grid, feature maps, Gram matrices as heat maps, loss curves, bar charts.

``basics`` holds the general plots; a plot that belongs to one notebook's topic gets a module of
its own here. Every function returns its matplotlib figure (or axes).
"""

from . import extensions as extensions  # notebooks 08-10: helpers.plotting.extensions.plot_blends, ...
from .basics import (
    MarkdownTable,
    feature_maps,
    gallery,
    heatmap,
    image_grid,
    markdown_table,
    plot_bars,
    plot_losses,
    plot_runs,
    show,
)

__all__ = [
    "MarkdownTable",
    "feature_maps",
    "gallery",
    "heatmap",
    "image_grid",
    "markdown_table",
    "plot_bars",
    "plot_losses",
    "plot_runs",
    "show",
]
