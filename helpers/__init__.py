"""helpers: the tested code behind the neural style transfer course.

Gatys, Ecker & Bethge, "A Neural Algorithm of Artistic Style" (2015) and "Image Style Transfer
Using Convolutional Neural Networks" (CVPR 2016). Every notebook imports this package.

The folders are floors; a module imports only from its own floor and the floors below it:

1. ``base``        errors, the mode switch and the device; imports nothing of ours
2. ``imaging``     images and clips in and out, the example-image catalogue, atomic file writes
3. ``core``        the paper: VGG19 and its weights, the losses (Eqs. 1-5), the objective
                   (Eq. 7), the optimiser, the result, memory estimates, the normalised network
4. ``extensions``  the follow-up papers: colour, spatial control, coarse to fine, style losses,
                   video's optical flow and temporal loss
5. ``synthesis``   the run settings, ``stylize``, ``synthesize_texture`` and ``stylize_video``:
                   the one-call API
6. ``course``      what the notebooks use: plotting, exercises and their checks, analyses,
                   the paper's figures
7. ``panels``      the interactive panels (ipywidgets), their logic and background runner
8. ``cli`` (``python -m helpers``) and this file, which exports the public names.

``tests/test_package.py`` checks the rule on every import statement.
"""

from .base.config import choose, default_device, mode, quick_mode
from .base.config import package_version as _package_version
from .base.errors import StopOptimization, StyleTransferError

# helpers.exercises.check_…(your_function): the checks behind the notebooks' exercises.
# Modules the notebooks reach through the package: helpers.vgg.CHANNELS, helpers.plotting.plot_bars ...
from .core import losses, objective, vgg
from .core.losses import content_loss, gram_matrix, style_loss, total_variation
from .core.result import Result
from .core.vgg import CONTENT_LAYERS, LAYERS, STYLE_LAYERS, layer_table, vgg19
from .course import analysis, exercises, figures, plotting
from .course.notebook import notebook_setup
from .course.plotting import feature_maps, gallery, heatmap, image_grid, markdown_table, plot_losses, show
from .extensions import color
from .imaging import catalog, images
from .imaging.catalog import credits, example
from .imaging.images import load_image, save_image, to_pil
from .synthesis.stylize import noise_image, stylize
from .synthesis.texture import synthesize_texture
from .synthesis.video import stylize_video


def __getattr__(name: str):
    # The interactive panels import ipywidgets: load them only when a notebook asks for them.
    if name in ("StylePanel", "GramPanel", "widgets"):
        from .panels import widgets

        return widgets if name == "widgets" else getattr(widgets, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


__version__ = _package_version()

__all__ = [
    "analysis",
    "catalog",
    "color",
    "exercises",
    "figures",
    "images",
    "losses",
    "objective",
    "plotting",
    "vgg",
    "widgets",
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
    "feature_maps",
    "gallery",
    "gram_matrix",
    "heatmap",
    "image_grid",
    "layer_table",
    "load_image",
    "markdown_table",
    "mode",
    "noise_image",
    "notebook_setup",
    "plot_losses",
    "quick_mode",
    "save_image",
    "show",
    "style_loss",
    "stylize",
    "stylize_video",
    "synthesize_texture",
    "to_pil",
    "total_variation",
    "vgg19",
]
