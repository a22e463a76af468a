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
from .diagram import algorithm_diagram
from .layers import (
    gradient_reach,
    layer_geometry,
    pooling_crops,
    receptive_field_squares,
    unit_gradient_support,
)
from .motion import plot_flow
from .optimisation import bar_panels, curves_and_images, final_loss_bars
from .pixels import channel_histograms, input_histograms, pixel_patch
from .representations import (
    plot_filter_pairs,
    plot_grams,
    plot_maps,
    plot_pixel_gradients,
    plot_reconstruction_errors,
    plot_tiny_gram,
)
from .statistics import plot_feature_clouds
from .tour import quantised_weights, run_times

__all__ = [
    "algorithm_diagram",
    "channel_histograms",
    "gradient_reach",
    "input_histograms",
    "layer_geometry",
    "pixel_patch",
    "pooling_crops",
    "quantised_weights",
    "receptive_field_squares",
    "run_times",
    "unit_gradient_support",
    "MarkdownTable",
    "bar_panels",
    "curves_and_images",
    "feature_maps",
    "final_loss_bars",
    "gallery",
    "heatmap",
    "image_grid",
    "markdown_table",
    "plot_bars",
    "plot_feature_clouds",
    "plot_flow",
    "plot_filter_pairs",
    "plot_grams",
    "plot_maps",
    "plot_pixel_gradients",
    "plot_reconstruction_errors",
    "plot_tiny_gram",
    "plot_losses",
    "plot_runs",
    "show",
]
