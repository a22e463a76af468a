"""helpers: the tested code behind the neural style transfer course.

Gatys, Ecker & Bethge, "A Neural Algorithm of Artistic Style" (2015) and "Image Style Transfer
Using Convolutional Neural Networks" (CVPR 2016). Every notebook imports this package.
"""

from importlib.metadata import PackageNotFoundError, version

# helpers.exercises.check_…(your_function): the checks behind the notebooks' exercises.
from . import exercises
from .catalog import credits, example
from .config import choose, default_device, quick_mode
from .errors import StopOptimization, StyleTransferError
from .images import load_image, save_image, to_pil
from .losses import content_loss, gram_matrix, style_loss, total_variation
from .notebook import notebook_setup
from .plotting import feature_maps, gallery, heatmap, image_grid, markdown_table, plot_losses, show
from .result import Result
from .stylize import stylize
from .texture import synthesize_texture
from .vgg import CONTENT_LAYERS, LAYERS, STYLE_LAYERS, layer_table, vgg19


def __getattr__(name: str):
    # The interactive panels import ipywidgets: load them only when a notebook asks for them.
    if name in ("StylePanel", "GramPanel"):
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


try:
    __version__ = version("nst-course")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+local"

__all__ = [
    "CONTENT_LAYERS",
    "LAYERS",
    "STYLE_LAYERS",
    "GramPanel",
    "Result",
    "StopOptimization",
    "StylePanel",
    "StyleTransferError",
    "choose",
    "content_loss",
    "credits",
    "default_device",
    "example",
    "exercises",
    "feature_maps",
    "gallery",
    "gram_matrix",
    "heatmap",
    "image_grid",
    "layer_table",
    "load_image",
    "markdown_table",
    "notebook_setup",
    "plot_losses",
    "quick_mode",
    "save_image",
    "show",
    "style_loss",
    "stylize",
    "synthesize_texture",
    "to_pil",
    "total_variation",
    "vgg19",
]
