"""The paper's figures: the runs behind each one, and the plots that lay them out.

Each ``*_runs`` function performs the optimisations of one figure and returns its
:class:`~helpers.result.Result` objects; each ``plot_*`` function lays them out as in the paper.
Notebooks call these to show the figures; ``python -m helpers figures`` renders them to files.
Keyword arguments not named here (``size``, ``steps``, ``seed``, ``weights``, ``device`` ...) go
to :func:`helpers.stylize`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .config import choose
from .images import load_image, resize
from .losses import gram_matrix, style_loss
from .objective import Objective, resolve_layer_weights
from .optimize import optimize
from .plotting import image_grid
from .result import Result
from .stylize import initial_image, stylize
from .vgg import STYLE_LAYERS, VGG19, vgg19

#: arXiv Fig. 1, bottom row: content reconstructed from each of these layers alone.
FIG1_CONTENT_LAYERS: tuple[str, ...] = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
#: arXiv Fig. 1 top row and Fig. 3 rows: style matched on growing sets of layers.
GROWING_STYLE_SETS: tuple[tuple[str, ...], ...] = tuple(
    STYLE_LAYERS[: i + 1] for i in range(len(STYLE_LAYERS))
)
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


def default_run(figure: str) -> dict:
    """Size and steps that give a recognisable figure on a laptop CPU (tiny under NST_QUICK=1)."""
    full = {
        "1": {"size": 192, "steps": 200},
        "2": {"size": 256, "steps": 300},
        "3": {"size": 160, "steps": 200},
        "init": {"size": 192, "steps": 200},
    }[figure]
    return choose(full, quick={"size": 48, "steps": 3})


def layer_set_label(layers: Sequence[str]) -> str:
    """``conv1_1`` or ``conv1_1 … conv3_1``: how a growing layer set is labelled."""
    return layers[0] if len(layers) == 1 else f"{layers[0]} … {layers[-1]}"


def _runs(jobs: dict, progress: bool, desc: str) -> dict:
    results = {}
    for key, job in tqdm(jobs.items(), desc=desc, disable=not progress, unit="image"):
        results[key] = job()
    return results


def content_reconstruction_runs(
    content: object = "tubingen", layers: Sequence[str] = FIG1_CONTENT_LAYERS, *, progress: bool = True, **run
) -> dict[str, Result]:
    """Fig. 1 (bottom row): white noise optimised to match the content at one layer each."""
    jobs = {
        layer: (lambda layer=layer: stylize(content, None, content_layers=[layer], progress=False, **run))
        for layer in layers
    }
    return _runs(jobs, progress, "content reconstructions")


def style_reconstruction_runs(
    style: object = "starry_night",
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    *,
    content_shape: tuple[int, int] | None = None,
    progress: bool = True,
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
    return _runs(jobs, progress, "style reconstructions")


def style_transfer_runs(
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    *,
    progress: bool = True,
    **run,
) -> dict[str, Result]:
    """Fig. 2: the photo rendered after each painting at the paper's alpha/beta, keyed by panel."""
    jobs = {
        letter: (lambda style=style, ratio=ratio: stylize(content, style, ratio=ratio, progress=False, **run))
        for letter, style, ratio in panels
    }
    return _runs(jobs, progress, "style transfers")


def tradeoff_runs(
    content: object = "tubingen",
    style: object = "composition_vii",
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    ratios: Sequence[float] = FIG3_RATIOS,
    *,
    progress: bool = True,
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
    return _runs(jobs, progress, "layer sets x ratios")


def initialisation_runs(
    content: object = "tubingen",
    style: object = "starry_night",
    seeds: Sequence[int] = (0, 1, 2, 3),
    *,
    progress: bool = True,
    **run,
) -> dict[str, Result]:
    """CVPR Fig. 6: start from the content image, from the style image, and from noise seeds."""
    jobs = {
        "content": lambda: stylize(content, style, init="content", progress=False, **run),
        "style": lambda: stylize(content, style, init="style", progress=False, **run),
    }
    for seed in seeds:
        jobs[f"noise {seed}"] = lambda seed=seed: stylize(
            content, style, init="noise", seed=seed, progress=False, **run
        )
    return _runs(jobs, progress, "initialisations")


def plot_figure1(content_results: dict[str, Result], style_results: dict[str, Result]):
    """Style reconstructions (top row) above content reconstructions (bottom row), labelled."""
    columns = max(len(content_results), len(style_results))
    top = [r.image for r in style_results.values()]
    bottom = [r.image for r in content_results.values()]
    labels = [f"{a}\n{b}" for a, b in zip(style_results, content_results)]
    return image_grid(
        [top, bottom],
        row_labels=["style reconstructions", "content reconstructions"],
        col_labels=labels if len(labels) == columns else None,
    )


def plot_tradeoffs(results: dict[tuple[str, float], Result]):
    """Fig. 3's grid: one row per layer set, one column per alpha/beta."""
    rows = list(dict.fromkeys(key[0] for key in results))
    ratios = list(dict.fromkeys(key[1] for key in results))
    grid = [[results[(row, ratio)].image for ratio in ratios] for row in rows]
    return image_grid(grid, row_labels=rows, col_labels=[f"α/β = {r:.0e}" for r in ratios])


# --- Measurements behind the notebooks' plots ------------------------------------------------------


def _source_name(source: object) -> str:
    return str(source) if isinstance(source, str) else type(source).__name__


def rms_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """Root-mean-square pixel difference of two images in [0, 1] (0: identical, ~0.3: unrelated)."""
    if a.shape[-2:] != b.shape[-2:]:
        b = resize(b, tuple(a.shape[-2:]))
    return float((a.float() - b.float()).pow(2).mean().sqrt())


def reconstruction_errors(
    original: torch.Tensor, images: Mapping[str, torch.Tensor], *, block: int = 8
) -> dict[str, dict[str, float]]:
    """How far each reconstruction is from ``original``: its pixels, its detail, its layout.

    RMS differences (pixels in [0, 1]; 0 means identical): ``"pixels"`` of the whole images;
    ``"coarse"`` after averaging both over ``block`` x ``block`` squares (the brightness and
    colour of regions); ``"detail"`` of what that averaging removes (edges, texture, fine
    structure). And ``"layout"``: the correlation of the squares' brightness with the
    original's (1: light and dark in the same places, whatever the colours; 0: unrelated).
    Returns ``{measure: {name: value}}``, ready for :func:`helpers.plotting.plot_bars`.
    """

    def coarse(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(F.avg_pool2d(x, block, ceil_mode=True), size=x.shape[-2:], mode="nearest")

    def brightness(x: torch.Tensor) -> torch.Tensor:  # ITU-R 601 luma of each square
        luma = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
        return F.avg_pool2d(luma.unsqueeze(1), block, ceil_mode=True).flatten().double()

    out: dict[str, dict[str, float]] = {"pixels": {}, "coarse": {}, "detail": {}, "layout": {}}
    for name, image in images.items():
        if image.shape[-2:] != original.shape[-2:]:
            image = resize(image, tuple(original.shape[-2:]))
        out["pixels"][name] = rms_difference(original, image)
        out["coarse"][name] = rms_difference(coarse(original), coarse(image))
        out["detail"][name] = rms_difference(original - coarse(original), image - coarse(image))
        out["layout"][name] = float(
            torch.corrcoef(torch.stack([brightness(original), brightness(image)]))[0, 1]
        )
    return out


def layer_style_losses(
    image: object, style: object, layers: Sequence[str] = STYLE_LAYERS, *, net: VGG19 | None = None
) -> dict[str, float]:
    r"""Each layer's style loss :math:`E_l` (Eq. 4) of ``image`` against ``style``, unweighted.

    The style's Gram matrices are rescaled to the image's number of positions, as in
    :func:`helpers.stylize`, so the two may differ in size. ``net`` defaults to the paper's VGG19.
    """
    net = net or vgg19()
    image, style = load_image(image).to(net.device), load_image(style).to(net.device)
    with torch.no_grad():
        feats, targets = net(image, layers), net(style, layers)
    losses = {}
    for name in layers:
        scale = feats[name].shape[2:].numel() / targets[name].shape[2:].numel()
        losses[name] = float(style_loss(feats[name], gram_matrix(targets[name]) * scale))
    return losses


def loss_scale_runs(
    content: object = "tubingen",
    style: object = "starry_night",
    scales: Sequence[float] = (1.0, 1e-3),
    *,
    ratio: float = 1e-3,
    size: int = 128,
    steps: int = 100,
    seed: int = 0,
    optimizer: str = "lbfgs",
    weights: str | None = "caffe",
    progress: bool = True,
) -> dict[float, Result]:
    r"""The same :math:`\alpha/\beta` with both :math:`\alpha` and :math:`\beta` multiplied by each scale.

    Multiplying the whole loss by ``s`` multiplies its gradient by ``s``; L-BFGS (whose steps
    come from gradient *differences* and a scale-free line search) and Adam (which divides by the
    gradient's running size) then take the same steps, so only the ratio matters. Runs in float32
    from the same noise, keyed by scale; ``history`` holds the unscaled content and style terms
    and the scaled total.

    Two limits of float32 arithmetic (measured with the Caffe weights at 48 px): the line search
    of PyTorch's L-BFGS squares directional derivatives that are already ~1e15 at ``s = 1``, so
    ``s = 100`` overflows float32 (about 3e38) and ends in NaN, and ``s = 1000`` takes another
    path; and with very small gradients its absolute thresholds (first step, curvature pairs)
    break the symmetry. Scaling *down* (the default ``1e-3``) shows the invariance cleanly.
    """
    net = vgg19(weights)
    content_img = load_image(content, size).to(net.device)
    style_img = load_image(style, size).to(net.device)
    shape = tuple(content_img.shape[-2:])
    x0 = initial_image("noise", content=content_img, style=style_img, shape=shape, seed=seed)
    jobs = {}
    for scale in scales:
        objective = Objective(
            net,
            content_img,
            [style_img],
            output_shape=shape,
            layer_weights=resolve_layer_weights(STYLE_LAYERS, None),  # the paper's w_l = 1/5
            alpha=scale * ratio,
            beta=scale,
        )
        settings = {
            "content": _source_name(content),
            "style": [_source_name(style)],
            "size": size,
            "steps": steps,
            "ratio": ratio,
            "alpha": scale * ratio,
            "beta": scale,
            "optimizer": optimizer,
            "seed": seed,
            "weights": weights,
            "precision": "fp32",
        }
        jobs[scale] = lambda objective=objective, settings=settings: optimize(
            objective, x0.to(net.device), steps=steps, optimizer=optimizer, progress=False, settings=settings
        )
    return _runs(jobs, progress, "loss scales")
