"""The paper's figures, in four jobs, each usable on its own:

* :mod:`.runs`: the optimisations of each figure (``*_runs``), returning :class:`~helpers.Result`
  objects that notebooks show piece by piece;
* :mod:`.layout`: ``plot_*`` lays results out as in the paper (labelled grids, panel letters,
  insets), and :class:`Frames` watches one run form;
* :mod:`.saving`: :class:`PaperFigure` writes the PNG and, beside it, a JSON of the settings,
  seeds, final losses, seconds and versions, enough to regenerate it exactly;
* :mod:`.progress`: one line per finished panel for ``python -m helpers figures``;

and :mod:`.paper`, which does all of them: :func:`figure1`, :func:`figure2`, :func:`figure3`,
:func:`figure_init`, :func:`render` and :func:`render_gallery`.

Every name is importable from ``helpers.figures`` (``helpers.course.figures``) as before.
"""

from .layout import (
    CELL_INCHES,
    Frames,
    add_inset,
    credit,
    grid_labels,
    plot_figure1,
    plot_figure2,
    plot_initialisation,
    plot_tradeoffs,
    ratio_label,
)
from .paper import MAKERS, figure1, figure2, figure3, figure_init, render, render_gallery
from .progress import print_progress
from .runs import (
    FIG1_CONTENT_LAYERS,
    FIG2_PANELS,
    FIG3_RATIOS,
    FIGURES,
    FILE_NAMES,
    GROWING_STYLE_SETS,
    INIT_RATIO,
    INIT_SEEDS,
    Progress,
    activation_means,
    content_reconstruction_runs,
    default_run,
    initialisation_runs,
    layer_set_label,
    run_jobs,
    style_reconstruction_runs,
    style_transfer_runs,
    tradeoff_runs,
)
from .saving import PaperFigure, regenerate_command, versions

__all__ = [
    "CELL_INCHES",
    "FIG1_CONTENT_LAYERS",
    "FIG2_PANELS",
    "FIG3_RATIOS",
    "FIGURES",
    "FILE_NAMES",
    "GROWING_STYLE_SETS",
    "INIT_RATIO",
    "INIT_SEEDS",
    "MAKERS",
    "Frames",
    "PaperFigure",
    "Progress",
    "activation_means",
    "add_inset",
    "content_reconstruction_runs",
    "credit",
    "default_run",
    "figure1",
    "figure2",
    "figure3",
    "figure_init",
    "grid_labels",
    "initialisation_runs",
    "layer_set_label",
    "plot_figure1",
    "plot_figure2",
    "plot_initialisation",
    "plot_tradeoffs",
    "print_progress",
    "ratio_label",
    "regenerate_command",
    "render",
    "render_gallery",
    "run_jobs",
    "style_reconstruction_runs",
    "style_transfer_runs",
    "tradeoff_runs",
    "versions",
]
