"""The runs behind the paper's figures: each ``*_runs`` function performs one figure's optimisations.

Paper settings throughout: the original Caffe VGG19 weights, average pooling, content at
``conv4_2``, style on ``conv1_1 ... conv5_1`` with :math:`w_l = 1/5`, L-BFGS. The paper starts
from white noise; these runs start from the course's faint noise, 0.5 + 0.03 N(0, 1)
(:func:`helpers.noise_image`). Keyword arguments not named here (``size``, ``steps``, ``seed``,
``weights``, ``device`` ...) go to :func:`helpers.stylize`. Each function returns its
:class:`~helpers.Result` objects, keyed as the figure labels them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

from ...base.config import choose
from ...base.errors import SettingsError
from ...core.optimize import Progress, run_jobs
from ...core.result import Result
from ...core.vgg import GROWING_STYLE_SETS, layer_set_label
from ...synthesis.stylize import stylize

#: arXiv Fig. 1, bottom row: content reconstructed from each of these layers alone.
FIG1_CONTENT_LAYERS: tuple[str, ...] = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
#: arXiv Fig. 2: panel letter, painting (catalogue name) and alpha/beta.
FIG2_PANELS: tuple[tuple[str, str, float], ...] = (
    ("B", "shipwreck", 1e-3),
    ("C", "starry_night", 1e-3),
    ("D", "scream", 1e-3),
    ("E", "femme_nue_assise", 1e-4),
    ("F", "composition_vii", 1e-4),
)
#: arXiv Fig. 3 columns.
FIG3_RATIOS: tuple[float, ...] = (1e-5, 1e-4, 1e-3, 1e-2)
#: CVPR Fig. 6: alpha/beta of every panel, and how many noise seeds.
INIT_RATIO = 1e-3
INIT_SEEDS = 4

#: The figures ``python -m helpers figures`` knows, in order, with their file names.
FIGURES: tuple[str, ...] = ("1", "2", "3", "init")
FILE_NAMES = {"1": "figure1", "2": "figure2", "3": "figure3", "init": "figure_init"}

# Size and steps per figure on a laptop CPU: recognisable, and a few minutes each (see README).
_DEFAULT_RUNS = {
    "1": {"size": 192, "steps": 200},
    "2": {"size": 256, "steps": 300},
    "3": {"size": 160, "steps": 200},
    "init": {"size": 192, "steps": 200},
}
_QUICK_RUN = {"size": 48, "steps": 4}


def default_run(figure: str) -> dict:
    """Size and steps that give a recognisable figure on a laptop CPU (tiny under NST_QUICK=1).

    Under NST_QUICK=1: 48 px and 4 steps for every figure (seconds each).

    ===========  ======  =====  ====  ===============================================
    figure       size    steps  runs  minutes on a 2-core laptop CPU (0.18 s/step @256)
    ===========  ======  =====  ====  ===============================================
    ``"1"``      192 px  200    10    ~2
    ``"2"``      256 px  300    5     ~5
    ``"3"``      160 px  200    20    ~5
    ``"init"``   192 px  200    6     ~2
    ===========  ======  =====  ====  ===============================================

    On a GPU, ``size=512`` and ``steps=1000`` come close to the paper's pictures.
    """
    if figure not in _DEFAULT_RUNS:
        raise SettingsError(f"unknown figure {figure!r}: use one of {', '.join(FIGURES)}")
    return dict(choose(_DEFAULT_RUNS[figure], quick=_QUICK_RUN))


def content_reconstruction_runs(
    content: object = "tubingen",
    layers: Sequence[str] = FIG1_CONTENT_LAYERS,
    *,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """Fig. 1 (bottom row): faint noise optimised to match the content at one layer each."""
    jobs = {
        layer: (lambda layer=layer: stylize(content, None, content_layers=[layer], progress=False, **run))
        for layer in layers
    }
    return run_jobs(jobs, progress, "content reconstructions")


def style_reconstruction_runs(
    style: object = "starry_night",
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    *,
    content_shape: tuple[int, int] | None = None,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """Fig. 1 (top row): textures matching the style's Gram matrices on growing layer sets."""
    jobs = {
        layer_set_label(layers): (
            lambda layers=layers: stylize(
                None, style, style_layers=list(layers), shape=content_shape, progress=False, **run
            )
        )
        for layers in layer_sets
    }
    return run_jobs(jobs, progress, "style reconstructions")


def style_transfer_runs(
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    *,
    done: Mapping[str, Result] | None = None,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """Fig. 2: the photo rendered after each painting at the paper's alpha/beta, keyed by panel.

    ``done`` maps panel letters to runs you already made with the same settings (a notebook's
    run with a callback, say); they are reused, not repeated.
    """
    done = dict(done or {})

    def job(letter: str, style: object, ratio: float) -> Callable[[], Result]:
        if letter in done:
            return lambda: done[letter]
        return lambda: stylize(content, style, ratio=ratio, progress=False, **run)

    jobs = {letter: job(letter, style, ratio) for letter, style, ratio in panels}
    return run_jobs(jobs, progress, "style transfers")


def tradeoff_runs(
    content: object = "tubingen",
    style: object = "composition_vii",
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    ratios: Sequence[float] = FIG3_RATIOS,
    *,
    progress: Progress = True,
    **run,
) -> dict[tuple[str, float], Result]:
    """Fig. 3: layer sets (rows) against alpha/beta (columns), keyed by (row label, ratio)."""
    jobs = {
        (layer_set_label(layers), ratio): (
            lambda layers=layers, ratio=ratio: stylize(
                content, style, style_layers=list(layers), ratio=ratio, progress=False, **run
            )
        )
        for layers in layer_sets
        for ratio in ratios
    }
    return run_jobs(jobs, progress, "layer sets x ratios")


def initialisation_runs(
    content: object = "tubingen",
    style: object = "starry_night",
    seeds: Sequence[int] = tuple(range(INIT_SEEDS)),
    *,
    ratio: float = INIT_RATIO,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """CVPR Fig. 6: start from the content image, from the style image, and from faint noise (seeds)."""
    run = {k: v for k, v in run.items() if k != "seed"}
    common = {"ratio": ratio, "progress": False, **run}
    jobs = {
        "content": lambda: stylize(content, style, init="content", **common),
        "style": lambda: stylize(content, style, init="style", **common),
    }
    for seed in seeds:
        jobs[f"noise {seed}"] = lambda seed=seed: stylize(content, style, init="noise", seed=seed, **common)
    return run_jobs(jobs, progress, "initialisations")


def activation_means(net, image: torch.Tensor, layers: Sequence[str]) -> dict[str, float]:
    """Mean response of each layer over filters and positions (the paper's network has 1 here)."""
    with torch.no_grad():
        features = net(image.to(net.device), layers=list(layers))
    return {name: float(features[name].float().mean()) for name in layers}
