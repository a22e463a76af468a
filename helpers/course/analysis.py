"""Measurements behind the notebooks' plots: how far a reconstruction is from the photo, how
much each layer contributes to the style loss, how the loss scale changes an optimisation, and
what each style loss costs and measures (notebook 11)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from ..core import losses
from ..core.objective import Objective, resolve_layer_weights
from ..core.optimize import optimize, run_jobs
from ..core.result import Result
from ..core.vgg import STYLE_LAYERS, VGG19, vgg19
from ..extensions.style_losses import STYLE_LOSSES, style_statistic
from ..imaging.images import load_image, resize
from ..synthesis.stylize import initial_image, noise_image


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

    :func:`helpers.core.losses.layer_style_losses` for any image source (a path, a catalogue
    name, a tensor ...); ``net`` defaults to the paper's VGG19.
    """
    net = net or vgg19()
    return losses.layer_style_losses(load_image(image), load_image(style), net, layers)


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

    Two limits of float32 arithmetic. The strong-Wolfe line search of PyTorch's L-BFGS squares
    a combination of slopes along the search direction; the first slope is
    :math:`-\lVert\nabla\mathcal{L}\rVert^2`, which grows as :math:`s^2`, so its square grows as
    :math:`s^4` and overflows float32 (about 3.4e38) beyond a scale that depends on the image and
    its size (notebook 06 computes it at 48 px); the run then ends in NaN, or the line search
    falls back to bisection and takes another path. And with very small gradients its absolute
    thresholds (first step, curvature pairs) break the symmetry. Scaling *down* (the default
    ``1e-3``) shows the invariance cleanly.
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
    return run_jobs(jobs, progress, "loss scales")


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def seconds_per_step(net: VGG19, shape: tuple[int, int], *, bf16: bool = False, repeats: int = 5) -> float:
    """The fastest of ``repeats`` timings of one forward pass to conv5_1 plus one backward pass,
    from the course's faint noise of ``shape`` on the network's device.

    The fastest, not the average: other programs can only slow a run down, never speed it up. The
    first pass warms up (memory, kernel choice) and is dropped.
    """
    device = net.device
    x = noise_image(shape).to(device).requires_grad_(True)
    times = []
    for _ in range(repeats + 1):
        _synchronize(device)
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            response = net(x, ["conv5_1"])["conv5_1"]
        response.float().square().mean().backward()
        _synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times[1:])


# ---------------------------------------------------------------- what is a style? (notebook 11)


def _style_term(statistic, fx: dict, fs: dict) -> torch.Tensor:
    r""":math:`\sum_l w_l E_l` with the paper's :math:`w_l = 1/5`, from the output's and the style's
    responses at the five style layers, each computed once by the caller."""
    return sum(
        statistic.loss(fx[name], statistic.target(fs[name], fx[name].shape[2:].numel())) / len(STYLE_LAYERS)
        for name in STYLE_LAYERS
    )


def layer_loss_values(features: torch.Tensor, style: torch.Tensor, *, seed: int = 0) -> dict[str, float]:
    """One layer's :math:`E_l` under every style loss, of responses ``features`` ``[B, N, H, W]``
    (or ``[B, N, M]``) against the style's responses ``style``: ``{style_loss: value}``."""
    features, style = features.reshape(*features.shape[:2], -1, 1), style.reshape(*style.shape[:2], -1, 1)
    out = {}
    for name in STYLE_LOSSES:
        statistic = style_statistic(name, seed=seed)
        out[name] = float(statistic.loss(features, statistic.target(style, features.shape[2])))
    return out


def style_loss_values(
    images: Mapping[str, object], style: object, *, net: VGG19 | None = None, seed: int = 0
) -> dict[str, dict[str, float]]:
    r"""Every style loss of each image against ``style``: ``{image: {style_loss: value}}``.

    Each value is :math:`\sum_l w_l E_l` over the paper's five style layers with
    :math:`w_l = 1/5`, the style loss that ``stylize(..., style_loss=name)`` lowers. The sliced
    Wasserstein loss uses one set of directions (drawn from ``seed``) for every image, so the
    values compare. The style is read at each image's longer side.
    """
    net = net or vgg19()
    statistics = {name: style_statistic(name, seed=seed) for name in STYLE_LOSSES}
    style_features: dict[int, dict] = {}  # the style read and seen once per size
    out: dict[str, dict[str, float]] = {}
    with torch.no_grad():
        for key, image in images.items():
            x = load_image(image).to(net.device)
            side = max(x.shape[-2:])  # the style is read at the image's size
            if side not in style_features:
                style_features[side] = net(load_image(style, side).to(net.device), STYLE_LAYERS)
            fx = net(x, STYLE_LAYERS)  # one pass through VGG19 for all four losses
            out[key] = {
                name: float(_style_term(st, fx, style_features[side])) for name, st in statistics.items()
            }
    return out


def balanced_ratio(
    style_loss: str,
    content: object,
    style: object,
    *,
    size: int = 128,
    net: VGG19 | None = None,
    seed: int = 0,
) -> float:
    r"""The ratio :math:`\alpha/\beta` at which ``style_loss`` pulls on the faint-noise start as
    hard as the paper's Gram loss does at :math:`10^{-3}`.

    :math:`10^{-3}\,\lVert\nabla_x \mathcal{L}_{style}^{(loss)}\rVert / \lVert\nabla_x
    \mathcal{L}_{style}^{(Gram)}\rVert` at :math:`x` = :func:`helpers.noise_image` (seeded) of
    the content's shape: the content loss and its gradient are the same for every style loss, so
    at this ratio the two terms start in the Gram run's balance. How each style loss's default
    ratio was chosen (:data:`helpers.extensions.style_losses.BALANCED_RATIO`).
    """
    net = net or vgg19()
    content_img = load_image(content, size).to(net.device)
    with torch.no_grad():
        fs = net(load_image(style, size).to(net.device), STYLE_LAYERS)
    x = noise_image(tuple(content_img.shape[-2:]), seed=seed).to(net.device).requires_grad_(True)
    fx = net(x, STYLE_LAYERS)  # one forward pass, a backward pass per loss
    pulls = {}
    for name in ("gram", style_loss):
        (grad,) = torch.autograd.grad(
            _style_term(style_statistic(name, seed=seed), fx, fs), x, retain_graph=True
        )
        pulls[name] = float(grad.norm())
    return STYLE_LOSSES["gram"].default_ratio * pulls[style_loss] / pulls["gram"]


def seconds_per_evaluation(
    style_loss: str,
    content: object,
    style: object,
    *,
    size: int = 256,
    net: VGG19 | None = None,
    repeats: int = 3,
) -> float:
    """The fastest of ``repeats`` timings of one loss-and-gradient evaluation of the paper's
    objective (content at conv4_2, style on the five layers) with ``style_loss``, after one
    warm-up: what one step of ``stylize(..., style_loss=...)`` costs, in float32."""
    net = net or vgg19()
    content_img = load_image(content, size).to(net.device)
    style_img = load_image(style, size).to(net.device)
    statistic = style_statistic(style_loss)
    objective = Objective(
        net,
        content_img,
        [style_img],
        output_shape=tuple(content_img.shape[-2:]),
        layer_weights=resolve_layer_weights(STYLE_LAYERS, None),
        alpha=statistic.default_ratio,
        statistic=statistic,
    )
    x = noise_image(tuple(content_img.shape[-2:])).to(net.device).requires_grad_(True)
    times = []
    for _ in range(repeats + 1):
        _synchronize(net.device)
        start = time.perf_counter()
        x.grad = None
        objective(x)[0].backward()
        _synchronize(net.device)
        times.append(time.perf_counter() - start)
    return min(times[1:])
